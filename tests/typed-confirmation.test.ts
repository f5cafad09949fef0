import Database from 'better-sqlite3';
import { call, openSentinel, scriptedLlm, tempDbPath } from './support/harness';
import { runEntry } from './support/processes';

// "yes, confirm" typed by the requester answers their own confirmation waiting in the thread exactly as
// `--approve` by the requester does (runner.decideApproval's re-checks), and never by a new proposal.

type Out = {
  reply: string;
  proposals: Array<{ tool: string; args: Record<string, unknown>; decision: string }>;
  executed: Array<{ tool: string; ok: boolean; output: Record<string, unknown> }>;
  approvals: Array<{ id: string; status: string; required: string }>;
};
const cli = (db: string, as: string, thread: string, text: string, env: Record<string, string> = {}): Out => {
  const r = runEntry('apps/cli/main.ts', ['--as', as, '--thread', thread, '--json', text], { SENTINEL_DB: db, SENTINEL_LLM: 'offline', ...env });
  if (r.code !== 0) throw new Error(`CLI exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Out;
};
const rows = <T>(db: string, sql: string): T[] => {
  const r = new Database(db, { readonly: true });
  try {
    return r.prepare(sql).all() as T[];
  } finally {
    r.close();
  }
};
const status = (db: string, device: string) => rows<{ status: string }>(db, `select status from devices where id = '${device}'`)[0]!.status;

describe('a typed "yes" to one’s own confirmation (CLI)', () => {
  test.each(['yes, confirm', 'yes', 'confirm', 'Yes please, go ahead!'])('"%s" confirms the wipe the requester was asked to confirm, through the approval path', (yes) => {
    const db = tempDbPath();
    const asked = cli(db, 'sam', 't', 'wipe my laptop');
    expect(asked.reply).toMatch(/Please confirm it yourself/);
    const id = asked.approvals[0]!.id;
    const r = cli(db, 'sam', 't', yes);
    expect(r.proposals).toEqual([]);
    expect(r.executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true, output: expect.objectContaining({ device_id: 'LAPTOP-SAM-01', command: 'wipe' }) })]);
    expect(r.approvals).toEqual([expect.objectContaining({ id, status: 'approved', required: 'requester' })]);
    expect(r.reply).toMatch(new RegExp(`You confirmed request ${id} \\(wipe LAPTOP-SAM-01\\)`));
    expect(status(db, 'LAPTOP-SAM-01')).toBe('wiped');
    // One request, decided once by the requester, as --approve records it; nothing proposed anew.
    expect(rows(db, 'select id, status, decided_by as decidedBy from approvals')).toEqual([{ id, status: 'approved', decidedBy: 'sam' }]);
    expect(rows<{ data: string }>(db, "select data from audit where kind = 'approval_decided'").map((a) => JSON.parse(a.data))).toEqual([
      expect.objectContaining({ approval: id, status: 'approved' }),
    ]);
    expect(rows(db, "select count(*) n from audit where kind = 'proposal_decided'")).toEqual([{ n: 1 }]);
    // Said again, it confirms nothing more.
    expect(cli(db, 'sam', 't', 'yes').executed).toEqual([]);
  });

  test('a yes after something else was asked is told which confirmation waits; naming it confirms it', () => {
    const db = tempDbPath();
    const id = cli(db, 'sam', 'o', 'wipe my laptop').approvals[0]!.id;
    cli(db, 'sam', 'o', 'what access do I have?');
    const bare = cli(db, 'sam', 'o', 'yes');
    expect(bare.executed).toEqual([]);
    expect(bare.reply).toContain(`Waiting for your confirmation in this conversation: ${id} (wipe LAPTOP-SAM-01)`);
    const named = cli(db, 'sam', 'o', `yes, confirm ${id}`);
    expect(named.executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true })]);
    expect(status(db, 'LAPTOP-SAM-01')).toBe('wiped');
  });

  test('someone else’s "yes" in a shared thread confirms nothing; nor does a yes that says more, or a negation', () => {
    const db = tempDbPath();
    const id = cli(db, 'sam', 's', 'wipe my laptop').approvals[0]!.id;
    const other = cli(db, 'cto', 's', 'yes, confirm');
    expect(other.reply).toMatch(new RegExp(`Request ${id} isn't waiting for a confirmation from you`));
    for (const r of [other, cli(db, 'cto', 's', 'yes'), cli(db, 'cto', 's', 'confirm')]) {
      expect(r.executed).toEqual([]);
      expect(r.proposals).toEqual([]);
    }
    expect(cli(db, 'sam', 's', "don't confirm").executed).toEqual([]);
    expect(status(db, 'LAPTOP-SAM-01')).toBe('active');
    expect(rows(db, 'select status from approvals')).toEqual([{ status: 'pending' }]);
  });

  test('a request that needs an approver is never approved by typing; an expired confirmation is not confirmed', () => {
    const db = tempDbPath();
    const asked = cli(db, 'alice', 'a', 'wipe my laptop');
    expect(asked.approvals).toEqual([expect.objectContaining({ status: 'pending', required: 'approver' })]);
    for (const text of ['yes', 'confirm', `yes, confirm ${asked.approvals[0]!.id}`]) expect(cli(db, 'alice', 'a', text).executed).toEqual([]);
    expect(status(db, 'LAPTOP-ALICE-01')).toBe('active');
    expect(rows(db, 'select status from approvals')).toEqual([{ status: 'pending' }]);

    const short = tempDbPath();
    const ttl = { SENTINEL_APPROVAL_TTL_HOURS: '0.0003' }; // about a second
    cli(short, 'sam', 'e', 'wipe my laptop', ttl);
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      /* let it expire */
    }
    const late = cli(short, 'sam', 'e', 'yes', ttl);
    expect(late.executed).toEqual([]);
    expect(status(short, 'LAPTOP-SAM-01')).toBe('active');
  });
});

test('the typed confirmation is re-checked like --approve: an admin demoted since asking is refused', async () => {
  const s = openSentinel();
  try {
    const asked = await s.runner.handleMessage('d', await s.identify('sam'), 'wipe my laptop');
    expect(asked.approvals).toEqual([expect.objectContaining({ required: 'requester', status: 'pending' })]);
    s.database.sqlite.prepare("update directory set role = 'employee' where id = 'sam'").run();
    const r = await s.runner.handleMessage('d', await s.identify('sam'), 'yes, confirm');
    expect(r.executed).toEqual([]);
    expect(r.refused).toBe(true);
    expect(r.thread).toBe('d');
    expect(r.reply).toMatch(/Your rights have changed since you asked/);
    expect(s.database.sqlite.prepare("select status from devices where id = 'LAPTOP-SAM-01'").get()).toEqual({ status: 'active' });
    expect(s.database.sqlite.prepare("select count(*) n from audit where kind = 'approval_refused'").get()).toEqual({ n: 1 });
  } finally {
    await s.close();
  }
});

test('with an LLM: the yes is recognised by code before the model is asked; a model cannot confirm by itself', async () => {
  let id = '';
  const wipe = { text: null, calls: [call('execute_remote_command', { device_id: 'LAPTOP-SAM-01', command: 'wipe' })] };
  // A model claiming the confirmation (the real request id, even): boundPlan drops its `confirm`, nothing is decided.
  const llm = scriptedLlm([wipe, () => ({ text: 'Confirmed!', calls: [], confirm: id }) as never]);
  const s = openSentinel({ llm: llm.provider });
  try {
    const sam = await s.identify('sam');
    id = (await s.runner.handleMessage('l', sam, 'wipe my laptop')).approvals[0]!.id;
    const claimed = await s.runner.handleMessage('l', sam, 'hmm, what now');
    expect(claimed.executed).toEqual([]);
    expect(s.database.sqlite.prepare('select status from approvals').all()).toEqual([{ status: 'pending' }]);
    expect(llm.asked).toEqual(['wipe my laptop', 'hmm, what now']);

    const s2 = openSentinel({ llm: scriptedLlm([wipe]).provider });
    try {
      const asked = await s2.runner.handleMessage('m', await s2.identify('sam'), 'wipe my laptop');
      const yes = await s2.runner.handleMessage('m', await s2.identify('sam'), 'yes, confirm');
      expect(yes.executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true })]);
      expect(yes.approvals).toEqual([expect.objectContaining({ id: asked.approvals[0]!.id, status: 'approved' })]);
    } finally {
      await s2.close();
    }
  } finally {
    await s.close();
  }
});
