import Database from 'better-sqlite3';
import type { LlmProvider } from '../machines/llm/provider';
import { offlineProvider } from '../machines/llm/offline';
import { openSentinel, tempDbPath } from './support/harness';
import { runEntryAsync, type Finished } from './support/processes';

// One owner per turn across processes on one SQLite file: real CLI processes next to a live runner.

const cliEnv = (db: string) => ({ SENTINEL_DB: db, SENTINEL_LLM: 'offline' });
const cli = (db: string, args: string[]) => runEntryAsync('apps/cli/main.ts', args, cliEnv(db));
const json = (r: Finished) => {
  if (r.code !== 0) throw new Error(`CLI exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as { thread: string; state: string; reply: string; executed: Array<{ tool: string; ok: boolean }>; approvals: Array<{ id: string; status: string }> };
};
const query = <T>(db: string, sql: string) => {
  const reader = new Database(db, { readonly: true });
  try {
    return reader.prepare(sql).all() as T[];
  } finally {
    reader.close();
  }
};

/** An LLM that holds its first proposal until released: a turn in flight for as long as the test wants. */
function gatedLlm() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const provider: LlmProvider = {
    name: 'gated',
    async propose(req, signal) {
      if (first) {
        first = false;
        await gate;
      }
      return offlineProvider.propose(req, signal);
    },
    summarize: (req, signal) => offlineProvider.summarize(req, signal),
  };
  return { provider, release };
}

describe('one owner per turn', () => {
  test('another process neither takes over a live turn nor lies about it; its own message waits its turn', async () => {
    const db = tempDbPath();
    const llm = gatedLlm();
    const live = openSentinel({ db, llm: llm.provider, leaseMs: 400 });
    const inFlight = live.runner.handleMessage('t', await live.identify('intern'), 'reset my password');
    await new Promise((r) => setTimeout(r, 100));
    // A CLI started now recovers at start-up: the live turn is not crashed, so it is left alone.
    const elsewhere = json(await cli(db, ['--as', 'alice', '--thread', 'other', '--json', 'what is the status of IT-1042?']));
    expect(elsewhere.reply).toMatch(/IT-1042/);
    expect(query<{ state: string }>(db, "select state from conversations where id = 't'")).toEqual([{ state: 'proposing' }]);
    expect(query<{ n: number }>(db, 'select count(*) n from password_resets')).toEqual([{ n: 0 }]);
    // A message to the same thread waits for the live turn, then runs after it.
    const queued = cli(db, ['--as', 'intern', '--thread', 't', '--json', 'my laptop is slow']);
    await new Promise((r) => setTimeout(r, 1_500));
    llm.release();
    const mine = await inFlight;
    expect(mine.executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: true })]);
    expect(json(await queued).executed).toEqual([expect.objectContaining({ tool: 'run_device_diagnostic', ok: true })]);
    expect(query<{ n: number }>(db, 'select count(*) n from password_resets')).toEqual([{ n: 1 }]);
    const thread = query<{ role: string; content: string }>(db, "select role, content from messages where conversation_id = 't' order by id");
    expect(thread.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(thread[1]!.content).not.toMatch(/not handled|try again/);
    await live.close();
  }, 60_000);

  test('a process paused past its lease loses the turn to another and says nothing false; the action runs once', async () => {
    const db = tempDbPath();
    let other: Promise<Finished> | null = null;
    const pausing: LlmProvider = {
      name: 'pausing',
      async propose(req, signal) {
        // Another process starts, then this one freezes (a long GC pause, SIGSTOP, a stuck disk) past its lease.
        other = cli(db, ['--as', 'alice', '--thread', 'elsewhere', '--json', 'what is the status of IT-1042?']);
        const until = Date.now() + 6_000;
        while (Date.now() < until) {
          /* frozen: no timers, no heartbeat */
        }
        return offlineProvider.propose(req, signal);
      },
      summarize: (req, signal) => offlineProvider.summarize(req, signal),
    };
    const paused = openSentinel({ db, llm: pausing, leaseMs: 300 });
    const result = await paused.runner.handleMessage('t', await paused.identify('intern'), 'reset my password');
    json(await other!);
    // The other process finished the frozen turn at its start-up; the frozen one learned it lost it.
    expect(result).toMatchObject({ takenOver: true, executed: [] });
    expect(query<{ n: number }>(db, 'select count(*) n from password_resets')).toEqual([{ n: 1 }]);
    const thread = query<{ role: string; content: string }>(db, "select role, content from messages where conversation_id = 't' order by id");
    expect(thread.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(thread[1]!.content).toMatch(/password/i);
    await paused.close();
  }, 60_000);

  test('concurrent CLI runs on one file each handle their own message', async () => {
    const db = tempDbPath();
    json(await cli(db, ['--as', 'intern', '--json', 'hello'])); // create and migrate the file first
    const runs = await Promise.all([
      cli(db, ['--as', 'intern', '--thread', 'a', '--json', 'reset my password']),
      cli(db, ['--as', 'intern', '--thread', 'a', '--json', 'my laptop is slow']),
      cli(db, ['--as', 'alice', '--thread', 'b', '--json', 'reset my password']),
      cli(db, ['--as', 'sam', '--thread', 'c', '--json', 'what is the status of IT-1041?']),
    ]);
    const results = runs.map(json);
    expect(results.map((r) => r.executed[0]?.tool)).toEqual(['reset_password', 'run_device_diagnostic', 'reset_password', 'check_ticket_status']);
    expect(query<{ n: number }>(db, 'select count(*) n from password_resets')).toEqual([{ n: 2 }]);
    expect(query<{ n: number }>(db, "select count(*) n from messages where conversation_id = 'a'")).toEqual([{ n: 4 }]);
  }, 90_000);

  test('concurrent --approve and --deny give one outcome and refusals, never exit 1', async () => {
    const db = tempDbPath();
    const asked = json(await cli(db, ['--as', 'intern', '--thread', 'w', '--json', 'wipe my laptop']));
    const id = asked.approvals[0]!.id;
    const runs = await Promise.all([
      cli(db, ['--as', 'sam', '--json', '--approve', id]),
      cli(db, ['--as', 'cto', '--json', '--approve', id]),
      cli(db, ['--as', 'sam', '--json', '--deny', id]),
      cli(db, ['--as', 'cto', '--json', '--deny', id]),
    ]);
    const results = runs.map(json);
    const status = query<{ status: string }>(db, `select status from approvals where id = '${id}'`)[0]!.status;
    expect(['approved', 'denied']).toContain(status);
    const wipes = query<{ n: number }>(db, "select count(*) n from device_commands where command = 'wipe'")[0]!.n;
    expect(wipes).toBe(status === 'approved' ? 1 : 0);
    // Exactly one run carried the decision out; the others were told it was already decided.
    expect(results.filter((r) => /already/.test(r.reply))).toHaveLength(3);
    expect(results.filter((r) => r.executed.length)).toHaveLength(status === 'approved' ? 1 : 0);
  }, 90_000);

  test('restarting a device locked as lost needs another admin’s approval instead of silently unlocking it', async () => {
    const db = tempDbPath();
    json(await cli(db, ['--as', 'intern', '--thread', 'l', '--json', 'lock my laptop, I lost it']));
    const restart = json(await cli(db, ['--as', 'intern', '--thread', 'l', '--json', 'restart my laptop']));
    expect(restart.executed).toEqual([]);
    expect(restart.approvals).toEqual([expect.objectContaining({ status: 'pending', required: 'approver' })]);
    expect(restart.reply).toMatch(/locked/);
    const admin = json(await cli(db, ['--as', 'sam', '--thread', 's', '--json', 'restart LAPTOP-INTERN-01']));
    expect(admin.approvals).toEqual([expect.objectContaining({ status: 'pending', required: 'approver' })]);
    expect(query<{ n: number }>(db, "select count(*) n from device_commands where command = 'restart'")).toEqual([{ n: 0 }]);
  }, 60_000);
});
