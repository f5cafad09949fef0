import { sql } from 'drizzle-orm';
import { call, openSentinel, scriptedLlm, testClock } from './support/harness';

const HOUR = 3_600_000;

function setup() {
  const clock = testClock();
  const llm = scriptedLlm();
  const s = openSentinel({ llm: llm.provider, now: clock.now });
  const count = (q: string) => (s.database.sqlite.prepare(q).get() as { n: number }).n;
  return { s, clock, llm, count };
}

async function requestWipe(s: ReturnType<typeof setup>, thread = 't1') {
  s.llm.plans.push({ text: null, calls: [call('execute_remote_command', { device_id: 'LAPTOP-INTERN-01', command: 'wipe' })] });
  const intern = await s.s.identify('intern');
  const r = await s.s.runner.handleMessage(thread, intern, 'wipe my laptop');
  expect(r.state).toBe('awaiting_approval');
  expect(r.approvals).toEqual([
    { id: expect.stringMatching(/^apr_[0-9a-f]{20}$/), tool: 'execute_remote_command', args: { device_id: 'LAPTOP-INTERN-01', command: 'wipe' }, status: 'pending', required: 'approver' },
  ]);
  return r.approvals[0]!.id;
}

const wipes = (t: ReturnType<typeof setup>) => t.count("select count(*) n from device_commands where command = 'wipe'");

describe('approvals through the runner', () => {
  test('the requester clicking Approve is refused; a guest is refused; an admin runs it once', async () => {
    const t = setup();
    const id = await requestWipe(t);
    const self = await t.s.runner.decideApproval(id, await t.s.identify('intern'), 'approve');
    expect(self.reply).toMatch(/cannot approve your own/);
    const guest = await t.s.runner.decideApproval(id, await t.s.identify('guest'), 'approve');
    expect(guest.reply).toMatch(/Guest accounts cannot approve other people's requests/);
    const peer = await t.s.runner.decideApproval(id, await t.s.identify('alice'), 'approve');
    expect(peer.reply).toMatch(/Only IT admins/);
    expect(wipes(t)).toBe(0);

    const ok = await t.s.runner.decideApproval(id, await t.s.identify('sam'), 'approve');
    expect(ok.executed).toEqual([{ tool: 'execute_remote_command', args: { device_id: 'LAPTOP-INTERN-01', command: 'wipe' }, ok: true, output: expect.objectContaining({ device_status: 'wiped' }) }]);
    expect(ok.thread).toBe('t1');
    expect(ok.state).toBe('idle');
    expect(ok.approvals[0]).toMatchObject({ status: 'approved' });

    const again = await t.s.runner.decideApproval(id, await t.s.identify('cto'), 'approve');
    expect(again.reply).toMatch(/already approved by sam/);
    expect(wipes(t)).toBe(1);
    t.s.database.close();
  });

  test('concurrent Approve and Deny clicks resolve to a single outcome', async () => {
    const t = setup();
    const id = await requestWipe(t);
    const [sam, cto] = [await t.s.identify('sam'), await t.s.identify('cto')];
    const results = await Promise.all([
      t.s.runner.decideApproval(id, sam, 'approve'),
      t.s.runner.decideApproval(id, cto, 'deny'),
      t.s.runner.decideApproval(id, sam, 'approve'),
    ]);
    const winners = results.filter((r) => !r.refused);
    expect(winners).toHaveLength(1);
    expect(wipes(t)).toBe(winners[0]!.approvals[0]!.status === 'approved' ? 1 : 0);
    t.s.database.close();
  });

  test('an approval runs exactly the stored action, whatever the conversation says later', async () => {
    const t = setup();
    const id = await requestWipe(t);
    // the LLM is now fooled into asking for a different device in the same thread
    t.llm.plans.push({ text: null, calls: [call('execute_remote_command', { device_id: 'LAPTOP-CTO-01', command: 'wipe' })] });
    const second = await t.s.runner.handleMessage('t1', await t.s.identify('intern'), 'actually wipe the CTO laptop');
    expect(second.proposals[0]).toMatchObject({ decision: 'deny' });
    await t.s.runner.decideApproval(id, await t.s.identify('sam'), 'approve');
    const devices = t.s.database.sqlite.prepare('select id, status from devices order by id').all();
    expect(devices).toContainEqual({ id: 'LAPTOP-INTERN-01', status: 'wiped' });
    expect(devices).toContainEqual({ id: 'LAPTOP-CTO-01', status: 'active' });
    t.s.database.close();
  });

  test('approvals expire: a late click is refused and the requester is told', async () => {
    const t = setup();
    const id = await requestWipe(t);
    t.clock.advance(24 * HOUR + 1);
    const late = await t.s.runner.decideApproval(id, await t.s.identify('sam'), 'approve');
    expect(late.refused).toBe(true);
    expect(late.reply).toMatch(/expired/);
    expect(late.approvals[0]!.status).toBe('expired');
    expect(wipes(t)).toBe(0);
    const last = t.s.database.sqlite.prepare("select content from messages where role = 'assistant' order by id desc limit 1").get() as { content: string };
    expect(last.content).toMatch(/expired without a decision/);
    t.s.database.close();
  });

  test('the sweeper expires overdue approvals and revokes expired grants', async () => {
    const t = setup();
    await requestWipe(t);
    t.llm.plans.push({ text: null, calls: [call('provision_access', { user: 'cto', system: 'aws-prod', level: 'admin', duration_hours: 2, reason: 'incident' })] });
    const grant = await t.s.runner.handleMessage('t2', await t.s.identify('cto'), 'give me aws admin for 2h');
    expect(grant.executed[0]).toMatchObject({ ok: true, output: { system: 'aws-prod', level: 'admin' } });
    t.clock.advance(3 * HOUR);
    expect(await t.s.runner.sweep()).toEqual({ expiredApprovals: 0, revokedGrants: 1 });
    t.clock.advance(24 * HOUR);
    expect(await t.s.runner.sweep()).toEqual({ expiredApprovals: 1, revokedGrants: 0 });
    expect(t.count("select count(*) n from grants where revoked_at is null")).toBe(0);
    t.s.database.close();
  });

  test('an admin’s wipe needs the admin’s own confirmation, and only theirs', async () => {
    const t = setup();
    t.llm.plans.push({ text: null, calls: [call('execute_remote_command', { device_id: 'LAPTOP-ALICE-01', command: 'wipe' })] });
    const cto = await t.s.identify('cto');
    const r = await t.s.runner.handleMessage('t3', cto, 'wipe alice laptop');
    expect(r.approvals[0]).toMatchObject({ required: 'requester', status: 'pending' });
    const other = await t.s.runner.decideApproval(r.approvals[0]!.id, await t.s.identify('sam'), 'approve');
    expect(other.reply).toMatch(/Only the person who asked/);
    const confirmed = await t.s.runner.decideApproval(r.approvals[0]!.id, cto, 'approve');
    expect(confirmed.executed[0]).toMatchObject({ ok: true });
    expect(wipes(t)).toBe(1);
    t.s.database.close();
  });

  test('the requester may withdraw; nothing runs', async () => {
    const t = setup();
    const id = await requestWipe(t);
    const r = await t.s.runner.decideApproval(id, await t.s.identify('intern'), 'deny');
    expect(r.approvals[0]!.status).toBe('denied');
    expect(r.reply).toMatch(/Withdrawn: your request to wipe/);
    expect(wipes(t)).toBe(0);
    t.s.database.close();
  });

  test('every decision and approval is in the audit log, hash-chained', async () => {
    const t = setup();
    const id = await requestWipe(t);
    await t.s.runner.decideApproval(id, await t.s.identify('intern'), 'approve');
    await t.s.runner.decideApproval(id, await t.s.identify('sam'), 'approve');
    const kinds = t.s.database.db.all<{ kind: string }>(sql`select kind from audit order by seq`).map((r) => r.kind);
    expect(kinds).toEqual(['proposal_decided', 'approval_requested', 'approval_refused', 'approval_decided', 'execution_started', 'execution_finished']);
    const rows = t.s.database.sqlite.prepare('select prev_hash, hash from audit order by seq').all() as Array<{ prev_hash: string; hash: string }>;
    rows.slice(1).forEach((r, i) => expect(r.prev_hash).toBe(rows[i]!.hash));
    t.s.database.close();
  });
});
