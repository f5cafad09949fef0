import { spawn } from 'node:child_process';
import path from 'node:path';
import { grantScheduleRows } from '../db/grant-schedule';
import { outboxRows } from '../db/outbox';
import { retryDelayMs, warnAtFor } from '../machines/grant-schedule';
import { oktaOrg } from './backends/okta-world';
import { openSentinel, testClock, tempDbPath } from './support/harness';
import type { OktaServer } from './support/okta-server';
import { ROOT } from './support/processes';

// Time-bound access that ends by itself: the grant schedule in SQLite, driven by the runner's sweep,
// against the embedded backend and the loopback Okta, with the clock injected.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.parse('2026-12-03T08:00:00Z');
/** A Slack-shaped conversation: its notices go to the outbox (the Slack app delivers them in the thread). */
const slackThread = (n: string) => `slack:T0TEAM:D0INTERN:1796371200.00010${n}`;

type S = ReturnType<typeof openSentinel>;
const sql = <T>(s: S, q: string, ...args: unknown[]) => s.database.sqlite.prepare(q).all(...args) as T[];
const auditOf = (s: S, kind: string) => sql<{ data: string; conversation_id: string | null }>(s, 'select data, conversation_id from audit where kind = ? order by seq', kind).map((a) => ({ ...JSON.parse(a.data), conversationId: a.conversation_id }));
const grantNotices = (s: S) => outboxRows(s.database.db).filter((r) => r.key.startsWith('grant:')).map((r) => ({ key: r.key, conversationId: r.conversationId, kind: r.kind, text: (JSON.parse(r.body) as { text: string }).text }));

/** The intern asks for access in `thread`, sam approves: the grant's id. */
async function approvedGrant(s: S, thread: string, text: string): Promise<number> {
  const asked = await s.runner.handleMessage(thread, await s.identify('intern'), text);
  expect(asked.approvals).toEqual([expect.objectContaining({ tool: 'provision_access', status: 'pending' })]);
  const approved = await s.runner.decideApproval(asked.approvals[0]!.id, await s.identify('sam'), 'approve');
  expect(approved.executed).toEqual([expect.objectContaining({ tool: 'provision_access', ok: true })]);
  return approved.executed[0]!.output.grant_id as number;
}

/** An admin grants someone access directly (allowed without approval): the grant's id. */
async function adminGrant(s: S, thread: string, text: string): Promise<number> {
  const r = await s.runner.handleMessage(thread, await s.identify('sam'), text);
  expect(r.executed).toEqual([expect.objectContaining({ tool: 'provision_access', ok: true })]);
  return r.executed[0]!.output.grant_id as number;
}

describe('the schedule (pure)', () => {
  test('a warning an hour before, only for grants longer than an hour; retries at the next sweep, then 1 min doubling to an hour', () => {
    expect(warnAtFor(T0, T0 + 2 * HOUR)).toBe(T0 + HOUR);
    expect(warnAtFor(T0, T0 + HOUR)).toBeNull();
    expect(warnAtFor(T0, T0 + HOUR + 1)).toBe(T0 + 1);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 50].map(retryDelayMs)).toEqual([0, 1, 2, 4, 8, 16, 32, 60, 60, 60].map((m) => m * MINUTE));
  });
});

describe('embedded backend', () => {
  test('a grant expires: revoked once, audited once, warned once an hour before and told it ended once, in its thread', async () => {
    const clock = testClock(T0);
    const s = openSentinel({ now: clock.now });
    try {
      const thread = slackThread('1');
      const id = await approvedGrant(s, thread, 'I need read access to github for 2 hours');
      clock.advance(30 * MINUTE);
      expect(await s.runner.sweepGrants()).toMatchObject({ scheduled: 1, warned: 0, revoked: [], failed: 0 });
      expect(grantScheduleRows(s.database.db)).toEqual([
        expect.objectContaining({ grantId: id, userId: 'intern', system: 'github', level: 'read', requester: 'intern', conversationId: thread, revokeAt: T0 + 2 * HOUR, warnAt: T0 + HOUR, warnedAt: null, attempts: 0, revokedAt: null }),
      ]);
      expect(grantNotices(s)).toEqual([]);

      clock.advance(30 * MINUTE);
      expect(await s.runner.sweepGrants()).toMatchObject({ scheduled: 0, warned: 1, revoked: [] });
      await s.runner.sweep();
      clock.advance(59 * MINUTE);
      expect(await s.runner.sweep()).toEqual({ expiredApprovals: 0, revokedGrants: 0 });
      expect(grantNotices(s)).toEqual([
        { key: `grant:${id}:warned`, conversationId: thread, kind: 'reply', text: 'Your read access to github ends at 10:00 UTC, in about an hour. Say "extend my access" to ask again.' },
      ]);
      expect(auditOf(s, 'grant_expiry_warned')).toEqual([expect.objectContaining({ grant: id, user: 'intern', told: true, conversationId: thread })]);

      clock.advance(MINUTE);
      expect(await s.runner.sweep()).toEqual({ expiredApprovals: 0, revokedGrants: 1 });
      for (let i = 0; i < 3; i++) {
        clock.advance(HOUR);
        expect(await s.runner.sweep()).toEqual({ expiredApprovals: 0, revokedGrants: 0 });
      }
      expect(sql(s, 'select revoked_at from grants where id = ?', id)).toEqual([{ revoked_at: T0 + 2 * HOUR }]);
      expect(grantScheduleRows(s.database.db)[0]).toMatchObject({ revokedAt: T0 + 2 * HOUR, attempts: 1, claimedBy: null });
      expect(auditOf(s, 'grant_revoked')).toEqual([expect.objectContaining({ grant: id, user: 'intern', system: 'github', level: 'read', attempts: 1, told: true, conversationId: thread })]);
      expect(grantNotices(s).map((n) => [n.key, n.text])).toEqual([
        [`grant:${id}:warned`, expect.any(String)],
        [`grant:${id}:ended`, 'Your read access to github has ended.'],
      ]);
      expect((await s.runner.handleMessage('t-list', await s.identify('intern'), 'what access do I have?')).reply).toMatch(/no time-bound access/);
    } finally {
      await s.close();
    }
  });

  test('a grant of an hour or less is never warned; one granted by an admin for someone else names them', async () => {
    const clock = testClock(T0);
    const s = openSentinel({ now: clock.now });
    try {
      const thread = slackThread('2');
      const id = await adminGrant(s, thread, 'give intern read access to vpn for 1 hour');
      for (let m = 0; m <= 60; m += 5) {
        await s.runner.sweep();
        clock.advance(5 * MINUTE);
      }
      expect(auditOf(s, 'grant_expiry_warned')).toEqual([]);
      expect(grantNotices(s)).toEqual([{ key: `grant:${id}:ended`, conversationId: thread, kind: 'reply', text: "Ivy Intern's read access to vpn has ended." }]);
    } finally {
      await s.close();
    }
  });

  test('an extension (a newer grant of the same access) silences the warning and the ended notice of the older one', async () => {
    const clock = testClock(T0);
    const s = openSentinel({ now: clock.now });
    try {
      const thread = slackThread('3');
      const first = await approvedGrant(s, thread, 'I need read access to github for 2 hours');
      clock.advance(50 * MINUTE);
      const second = await approvedGrant(s, thread, 'I need read access to github for 8 hours');
      clock.advance(10 * MINUTE);
      await s.runner.sweep();
      clock.advance(HOUR);
      expect(await s.runner.sweep()).toMatchObject({ revokedGrants: 1 });
      expect(auditOf(s, 'grant_revoked')).toEqual([expect.objectContaining({ grant: first, told: false, extended: true })]);
      expect(grantNotices(s)).toEqual([]);
      // The newer one is warned and ends as usual.
      clock.advance(6 * HOUR);
      await s.runner.sweep();
      clock.advance(HOUR);
      await s.runner.sweep();
      expect(grantNotices(s).map((n) => n.key)).toEqual([`grant:${second}:warned`, `grant:${second}:ended`]);
    } finally {
      await s.close();
    }
  });

  test('a scheduled grant that is gone from the backend (never made, or ended by other means) is neither warned nor told', async () => {
    const clock = testClock(T0);
    const s = openSentinel({ now: clock.now });
    try {
      const id = await approvedGrant(s, slackThread('9'), 'I need read access to github for 2 hours');
      await s.runner.sweep();
      s.database.sqlite.prepare('delete from grants where id = ?').run(id);
      clock.advance(HOUR);
      expect(await s.runner.sweepGrants()).toMatchObject({ warned: 0 });
      clock.advance(HOUR);
      expect(await s.runner.sweepGrants()).toMatchObject({ revoked: [], failed: 0 });
      expect(grantScheduleRows(s.database.db)).toEqual([expect.objectContaining({ grantId: id, warnedAt: T0 + HOUR, revokedAt: T0 + 2 * HOUR })]);
      expect(grantNotices(s)).toEqual([]);
      expect(auditOf(s, 'grant_revoked')).toEqual([]);
    } finally {
      await s.close();
    }
  });

  test('many grants ending together are all revoked by one sweep (claimed a few at a time), each told once', async () => {
    const clock = testClock(T0);
    const s = openSentinel({ now: clock.now });
    try {
      const ids: number[] = [];
      for (const who of ['intern', 'alice']) for (const system of ['github', 'vpn', 'salesforce', 'aws-prod']) ids.push(await adminGrant(s, slackThread(`${who}-${system}`), `give ${who} read access to ${system} for 1 hour`));
      clock.advance(HOUR);
      expect(await s.runner.sweep()).toEqual({ expiredApprovals: 0, revokedGrants: 8 });
      expect(await s.runner.sweep()).toEqual({ expiredApprovals: 0, revokedGrants: 0 });
      expect(grantNotices(s).map((n) => n.key).sort()).toEqual(ids.map((id) => `grant:${id}:ended`).sort());
      expect(sql(s, 'select count(*) n from grants where revoked_at is null')).toEqual([{ n: 0 }]);
    } finally {
      await s.close();
    }
  });

  test('a CLI thread gets no outbox rows: the warning and the end are in the audit log (npm run audit)', async () => {
    const clock = testClock(T0);
    const s = openSentinel({ now: clock.now });
    try {
      const id = await approvedGrant(s, 'cli-thread', 'I need read access to github for 2 hours');
      clock.advance(HOUR);
      await s.runner.sweep();
      clock.advance(HOUR);
      await s.runner.sweep();
      expect(grantNotices(s)).toEqual([]);
      expect(auditOf(s, 'grant_expiry_warned')).toEqual([expect.objectContaining({ grant: id, told: false, conversationId: 'cli-thread' })]);
      expect(auditOf(s, 'grant_revoked')).toEqual([expect.objectContaining({ grant: id, told: false, conversationId: 'cli-thread' })]);
    } finally {
      await s.close();
    }
  });

  test('every grant is within the policy cap: a longer request is denied and nothing is granted or scheduled', async () => {
    const clock = testClock(T0);
    const s = openSentinel({ now: clock.now });
    try {
      const r = await s.runner.handleMessage(slackThread('4'), await s.identify('sam'), 'give intern read access to vpn for 100 hours');
      expect(r.proposals).toEqual([expect.objectContaining({ tool: 'provision_access', decision: 'deny', reason: expect.stringMatching(/at most 72 hours/) })]);
      expect(r.executed).toEqual([]);
      await adminGrant(s, slackThread('5'), 'give intern read access to vpn for 72 hours');
      await s.runner.sweep();
      expect(sql(s, 'select count(*) n from grants')).toEqual([{ n: 1 }]);
      const rows = grantScheduleRows(s.database.db);
      expect(rows).toHaveLength(1);
      for (const row of rows) expect(row.revokeAt - row.grantedAt).toBeLessThanOrEqual(72 * HOUR);
    } finally {
      await s.close();
    }
  });

  // Issue 13: '"Extend my access" is a new request under the same policy.'
  test('"extend my access" in the thread asks for the same access again (provision_access for github)', async () => {
    const clock = testClock(T0);
    const s = openSentinel({ now: clock.now });
    try {
      const thread = slackThread('6');
      await approvedGrant(s, thread, 'I need read access to github for 2 hours');
      clock.advance(HOUR);
      const r = await s.runner.handleMessage(thread, await s.identify('intern'), 'extend my access');
      expect(r.proposals).toEqual([expect.objectContaining({ tool: 'provision_access', args: expect.objectContaining({ user: 'intern', system: 'github', level: 'read' }) })]);
    } finally {
      await s.close();
    }
  });
});

describe('Okta backend (loopback)', () => {
  let okta: OktaServer;
  let ids: Awaited<ReturnType<typeof oktaOrg>>['ids'];
  beforeEach(async () => {
    ({ okta, ids } = await oktaOrg());
  });
  afterEach(() => okta.stop());
  const oktaEnv = () => ({ SENTINEL_IDENTITY: 'okta', OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: okta.token });

  test('Okta answering 503: retried with growing delays, kept across a restart, revoked once when it recovers', async () => {
    const clock = testClock(T0);
    const db = tempDbPath();
    let s = openSentinel({ db, now: clock.now, env: oktaEnv() });
    const thread = slackThread('7');
    try {
      const id = await adminGrant(s, thread, 'give ivy read access to vpn for 1 hour');
      expect(okta.membersOf('sentinel-vpn-read')).toEqual([ids.ivy]);
      clock.advance(HOUR);
      okta.fail({ method: 'DELETE', status: 503, times: Infinity });
      const attempts: number[] = [];
      const deletes = () => okta.calls('DELETE', /./).length;
      // Sweep every minute, as the Slack app does: an attempt only when the schedule says so.
      for (let minute = 0; minute <= 8; minute++) {
        const before = deletes();
        expect(await s.runner.sweep()).toMatchObject({ revokedGrants: 0 });
        if (deletes() > before) attempts.push(clock.now());
        clock.advance(MINUTE);
      }
      // Tried when due, again at the next sweep, then 1, 2, 4 minutes after each failure.
      expect(attempts.map((t) => (t - (T0 + HOUR)) / MINUTE)).toEqual([0, 1, 2, 4, 8]);
      const failed = auditOf(s, 'grant_revoke_failed');
      expect(failed.map((f) => f.attempt)).toEqual([1, 2, 3, 4, 5]);
      expect(failed.map((f) => (f.next_attempt_at - (T0 + HOUR)) / MINUTE)).toEqual([0, 2, 4, 8, 16]);
      expect(failed[0]).toMatchObject({ grant: id, code: 'unavailable', backend: 'okta', conversationId: thread });
      expect(okta.membersOf('sentinel-vpn-read')).toEqual([ids.ivy]);
      // Nothing in the thread; the IT admins were told once, at the third failure, that the access is still there.
      const stuck = {
        key: `grant:${id}:revoke_stuck`,
        conversationId: 'admins',
        kind: 'admin_notice',
        text: expect.stringMatching(/^Access that should have ended is still in place: Ivy Intern's read access to vpn was due to end at 09:00 UTC, and removing it has failed 3 times \(last: okta unavailable: .+\)\. Sentinel keeps trying \(next at 09:04 UTC\); remove it by hand if it must end now\.$/),
      };
      expect(grantNotices(s)).toEqual([stuck]);
      expect(auditOf(s, 'grant_revoke_stuck')).toEqual([expect.objectContaining({ grant: id, to: 'admins', key: `grant:${id}:revoke_stuck` })]);

      // A restart in between: the schedule is in the file.
      await s.close();
      s = openSentinel({ db, now: clock.now, env: oktaEnv() });
      expect(grantScheduleRows(s.database.db)).toEqual([
        expect.objectContaining({ grantId: id, attempts: 5, nextAttemptAt: T0 + HOUR + 16 * MINUTE, lastError: expect.stringMatching(/^okta unavailable: /), revokedAt: null, claimedBy: null }),
      ]);
      okta.clearFailures();
      const before = deletes();
      expect(await s.runner.sweep()).toMatchObject({ revokedGrants: 0 }); // not due yet (minute 9 of 16)
      expect(deletes()).toBe(before);
      clock.advance(7 * MINUTE);
      expect(await s.runner.sweep()).toMatchObject({ revokedGrants: 1 });
      expect(okta.membersOf('sentinel-vpn-read')).toEqual([]);
      clock.advance(HOUR);
      expect(await s.runner.sweep()).toMatchObject({ revokedGrants: 0 });
      expect(deletes()).toBe(before + 1);
      expect(auditOf(s, 'grant_revoked')).toEqual([expect.objectContaining({ grant: id, user: ids.ivy, system: 'vpn', level: 'read', attempts: 6, told: true })]);
      expect(grantNotices(s)).toEqual([
        stuck,
        { key: `grant:${id}:revoke_unstuck`, conversationId: 'admins', kind: 'admin_notice', text: "Resolved: Ivy Intern's read access to vpn has now been removed (after 6 attempts)." },
        { key: `grant:${id}:ended`, conversationId: thread, kind: 'reply', text: "Ivy Intern's read access to vpn has ended." },
      ]);
    } finally {
      await s.close();
    }
  });

  test('two Sentinels on one database sweeping at once: one DELETE, one audit entry, one notice', async () => {
    const clock = testClock(T0);
    const db = tempDbPath();
    const a = openSentinel({ db, now: clock.now, env: oktaEnv() });
    const b = openSentinel({ db, now: clock.now, env: oktaEnv() });
    try {
      const id = await adminGrant(a, slackThread('8'), 'give ivy read access to vpn for 2 hours');
      clock.advance(2 * HOUR);
      // A slow Okta: both sweeps are in flight together.
      okta.fail({ method: 'DELETE', delayMs: 400, times: Infinity });
      const results = await Promise.all([a.runner.sweep(), b.runner.sweep(), a.runner.sweep(), b.runner.sweep()]);
      expect(results.reduce((n, r) => n + r.revokedGrants, 0)).toBe(1);
      expect(okta.calls('DELETE', /./)).toHaveLength(1);
      expect(auditOf(a, 'grant_revoked')).toHaveLength(1);
      expect(grantNotices(a).map((n) => n.key)).toEqual([`grant:${id}:ended`]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('two CLI processes starting at once (each sweeps first): one DELETE', async () => {
    const db = tempDbPath();
    // The grant was made three hours ago, for one hour: due now, by the wall clock the CLI runs on.
    const past = openSentinel({ db, now: () => Date.now() - 3 * HOUR, env: oktaEnv() });
    await adminGrant(past, 'cli-grant', 'give ivy read access to vpn for 1 hour');
    await past.close();
    okta.fail({ method: 'DELETE', delayMs: 500, times: Infinity });
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SENTINEL_DB: db, SENTINEL_LLM: 'offline', ...oktaEnv() };
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(tsx, [path.join(ROOT, 'apps/cli/main.ts'), '--as', 'sam@example.com', '--json', 'what access do I have?'], { cwd: path.dirname(db), env });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('exit', (code) => resolve({ code, out }));
      });
    const done = await Promise.all([run(), run(), run()]);
    expect(done.map((d) => d.code)).toEqual([0, 0, 0]);
    expect(okta.calls('DELETE', /./)).toHaveLength(1);
    expect(okta.membersOf('sentinel-vpn-read')).toEqual([]);
    const s = openSentinel({ db, env: oktaEnv() });
    try {
      expect(auditOf(s, 'grant_revoked')).toHaveLength(1);
      expect(grantScheduleRows(s.database.db)).toEqual([expect.objectContaining({ attempts: 1, revokedAt: expect.any(Number) })]);
    } finally {
      await s.close();
    }
  }, 60_000);
});
