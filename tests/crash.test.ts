import Database from 'better-sqlite3';
import { verifyAudit } from '../db/audit-verify';
import { CRASH_POINTS, type CrashPoint } from '../machines/crash-points';
import { tempDbPath } from './support/harness';
import { runEntry, type Finished } from './support/processes';

// Real child processes (the CLI), killed with SIGKILL at each named point of a turn, then restarted on
// the same SQLite file. Whatever was committed must lead to: no action run twice, an approved action
// never lost, an action with an unknown outcome reported "in doubt" and not re-run, a usable thread.

interface Scenario {
  name: string;
  as: string;
  text: string;
  /** An admin approves the request the message creates. */
  approveAs?: string;
  /** SQL counting the backend effects of this scenario. */
  effects: string;
  /** How many effects a run without a crash produces. */
  expected: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'allowed write', as: 'intern', text: 'reset my password', effects: 'select count(*) n from password_resets', expected: 1 },
  { name: 'two actions in one turn', as: 'intern', text: 'lock my laptop and reset my password', effects: 'select (select count(*) from password_resets) + (select count(*) from device_commands) n', expected: 2 },
  { name: 'approved wipe', as: 'intern', text: 'wipe my laptop', approveAs: 'sam', effects: "select count(*) n from device_commands where command = 'wipe'", expected: 1 },
  { name: 'denied request', as: 'intern', text: 'wipe LAPTOP-ALICE-01', effects: 'select count(*) n from device_commands', expected: 0 },
];

const FULL = process.env.SENTINEL_CRASH_FULL === '1';
// The short run (npm test) crashes once at every point on the approval path; npm run test:crash takes
// every scenario, and the second pass through each point too (a turn with two actions passes twice).
const cases = SCENARIOS.filter((s) => FULL || s.approveAs).flatMap((s) =>
  CRASH_POINTS.flatMap((point) => (FULL ? [1, 2] : [1]).map((nth) => [s.name, `${point}:${nth}`, s, point, nth] as const)),
);

const cli = (db: string, args: string[], crashAt?: string) => runEntry('apps/cli/main.ts', [...args], { SENTINEL_DB: db, SENTINEL_LLM: 'offline', ...(crashAt ? { SENTINEL_CRASH_AT: crashAt } : {}) });
// tsx runs the script in a child node process and reports its SIGKILL as exit code 137 (128 + 9).
const killed = (r: Finished) => r.signal === 'SIGKILL' || r.code === 137;
const ok = (r: Finished) => {
  if (r.code !== 0) throw new Error(`CLI failed (${r.code} ${r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as { state: string; reply: string; approvals: Array<{ id: string; status: string }> };
};

const fired: Record<string, Set<string>> = {};

describe('SIGKILL at every step of a turn, then restart', () => {
  test.each(cases)('%s, killed at %s', (name, _label, s, point: CrashPoint, nth) => {
    const db = tempDbPath();
    const crashAt = `${point}:${nth}`;
    const thread = 'crash-thread';
    let crashed = false;

    const first = cli(db, ['--as', s.as, '--thread', thread, '--json', s.text], crashAt);
    crashed = killed(first);
    if (!crashed) ok(first);
    if (s.approveAs) {
      // After a crash the request may or may not exist yet; a restart finishes the turn first.
      const pending = () => {
        const reader = new Database(db, { readonly: true });
        const row = reader.prepare("select id from approvals where status = 'pending'").get() as { id: string } | undefined;
        reader.close();
        return row?.id;
      };
      if (crashed) ok(cli(db, ['--as', s.as, '--thread', thread, '--json', 'what is the status of IT-1041?']));
      const id = pending();
      if (id) {
        const answer = cli(db, ['--as', s.approveAs, '--json', '--approve', id], crashed ? undefined : crashAt);
        if (killed(answer)) crashed = true;
        else ok(answer);
      }
    }
    // Restart: any CLI start recovers interrupted turns and undelivered approvals; the thread is usable.
    const after = ok(cli(db, ['--as', s.as, '--thread', thread, '--json', 'what is the status of IT-1041?']));
    expect(after.reply).toMatch(/IT-1041/);
    expect(['idle', 'awaiting_approval']).toContain(after.state);
    if (crashed) (fired[name] ??= new Set()).add(crashAt);

    const sqlite = new Database(db, { readonly: true });
    const q = <T>(sql: string) => sqlite.prepare(sql).all() as T[];
    const executions = q<{ key: string; status: string; tool: string; approval_id: string | null }>('select key, status, tool, approval_id from executions');
    // Nothing is left half-done: every journaled action is settled.
    expect(executions.filter((e) => e.status === 'planned' || e.status === 'started')).toEqual([]);
    // Nothing ran twice: each backend effect carries a distinct execution key.
    const effects = q<{ n: number }>(s.effects)[0]!.n;
    const keys = q<{ n: number; d: number }>('select count(*) n, count(distinct execution_key) d from (select execution_key from password_resets union all select execution_key from device_commands)')[0]!;
    expect(keys.n).toBe(keys.d);
    const succeeded = executions.filter((e) => e.status === 'succeeded' && e.tool !== 'check_ticket_status').length;
    const inDoubt = executions.filter((e) => e.status === 'in_doubt');
    expect(effects).toBeGreaterThanOrEqual(succeeded);
    expect(effects).toBeLessThanOrEqual(succeeded + inDoubt.length);
    // Only an action the crash caught mid-flight may be in doubt, and the thread was told.
    if (!crashed || !['execution_started', 'backend_called'].includes(point)) {
      expect(inDoubt).toEqual([]);
      expect(effects).toBe(s.expected); // an approved or allowed action is never lost
    } else {
      const told = q<{ content: string }>("select content from messages where role = 'assistant'").some((m) => /lost track of this action/.test(m.content));
      expect(told).toBe(inDoubt.length > 0);
      expect(effects + inDoubt.length).toBeGreaterThanOrEqual(s.expected);
    }
    if (s.approveAs) {
      const approvals = q<{ id: string; status: string }>('select id, status from approvals');
      for (const a of approvals.filter((x) => x.status === 'approved')) expect(executions.some((e) => e.approval_id === a.id)).toBe(true);
    }
    expect(verifyAudit(sqlite).ok).toBe(true);
    sqlite.close();
  });

  afterAll(() => {
    // Every point on each path really was crashed at (a point no run reached would prove nothing).
    const approvalPath = fired['approved wipe'] ?? new Set();
    for (const point of CRASH_POINTS) expect([...approvalPath].some((c) => c.startsWith(`${point}:`))).toBe(true);
    const total = Object.values(fired).reduce((n, set) => n + set.size, 0);
    process.stdout.write(`crash tests: ${cases.length} cases, ${total} of them killed mid-turn (${Object.entries(fired).map(([k, v]) => `${k}: ${v.size}`).join(', ')})\n`);
  });
});
