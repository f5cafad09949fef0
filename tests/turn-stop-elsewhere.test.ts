import Database from 'better-sqlite3';
import type { Plan } from '../machines/types';
import type { LlmProvider } from '../machines/llm/provider';
import { offlineProvider } from '../machines/llm/offline';
import { acquireLease, requestStop, setLeaseRequester, stopRequested, takeOverLease } from '../db/turn-leases';
import { completion, startFakeOpenAI, toolCall, type Reply } from './support/fake-openai';
import { call, openSentinel, tempDbPath } from './support/harness';
import { runEntryAsync, type Finished } from './support/processes';

// A Stop reaches a turn wherever it runs: another process on the same SQLite file (a CLI child process
// here, or a second runner in this one) runs the turn; the Stop is asked of this process's runner.

type CliResult = { reply: string; executed: Array<{ tool: string; ok: boolean; output: Record<string, unknown> }> };
const json = (r: Finished): CliResult => {
  if (r.code !== 0) throw new Error(`CLI exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as CliResult;
};
const query = <T>(db: string, sql: string) => {
  const reader = new Database(db, { readonly: true });
  try {
    return reader.prepare(sql).all() as T[];
  } finally {
    reader.close();
  }
};
const count = (db: string, sql: string) => query<{ n: number }>(db, sql)[0]!.n;
async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const leaseOf = (db: string, id: string) => query<{ requester: string | null; stop_requested_by: string | null }>(db, `select requester, stop_requested_by from turn_leases where conversation_id = '${id}'`)[0];

/** The CLI in a child process, its LLM a local fake OpenAI server. */
async function cliWithLlm(db: string, replies: Reply[], args: string[]) {
  const llm = await startFakeOpenAI(replies);
  const env = { SENTINEL_DB: db, SENTINEL_LLM: 'openai', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.baseURL, OPENAI_TIMEOUT_MS: '30000', OPENAI_MAX_RETRIES: '0', LOG_LEVEL: 'warn' };
  return { llm, done: runEntryAsync('apps/cli/main.ts', args, env) };
}

const STOPPED_NOTHING_RUN = '⏹️ Stopped, as you asked: nothing was run.';

describe('Stop reaches a turn another process runs', () => {
  test('Stop pressed in another process abandons the LLM call and runs nothing', async () => {
    const db = tempDbPath();
    const here = openSentinel({ db });
    const alice = await here.identify('alice');
    // The LLM never answers: only the Stop can end this turn (its timeout is 30 s).
    const { llm, done } = await cliWithLlm(db, [{ hang: true }], ['--as', 'alice', '--thread', 't', '--json', 'reset my password']);
    try {
      await until('the CLI to be asking its LLM', () => llm.requests.length === 1 && leaseOf(db, 't')?.requester === alice.id);
      const asked = Date.now();
      expect(here.runner.stopTurn('t', alice)).toBe('stopped');
      await until('the stopped turn to settle', () => count(db, "select count(*) n from messages where conversation_id = 't' and role = 'assistant'") === 1);
      const settledMs = Date.now() - asked;
      const r = json(await done);
      expect(r.reply).toBe(STOPPED_NOTHING_RUN);
      expect(r.executed).toEqual([]);
      expect(llm.requests).toHaveLength(1); // no summary asked of the LLM either: the stopped reply is code-written
      expect(count(db, 'select count(*) n from password_resets')).toBe(0);
      expect(count(db, "select count(*) n from audit where kind = 'execution_started'")).toBe(0);
      expect(count(db, 'select count(*) n from turn_leases')).toBe(0);
      // The owner looks every 250 ms; the rest is settling and storing the turn.
      expect(settledMs).toBeLessThan(2_000);
      process.stdout.write(`cross-process Stop settled the turn ${settledMs} ms after it was asked\n`);
      // The next turn in the thread is not stopped.
      const next = json(await runEntryAsync('apps/cli/main.ts', ['--as', 'alice', '--thread', 't', '--json', 'reset my password'], { SENTINEL_DB: db, SENTINEL_LLM: 'offline' }));
      expect(next.executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: true })]);
    } finally {
      await llm.close();
      await here.close();
    }
  }, 60_000);

  test('a Stop from someone else in another process is refused, nothing is recorded, and the turn runs', async () => {
    const db = tempDbPath();
    const here = openSentinel({ db });
    const [alice, intern] = [await here.identify('alice'), await here.identify('intern')];
    const { llm, done } = await cliWithLlm(
      db,
      [{ body: completion({ tool_calls: [toolCall('reset_password', '{"user":"alice"}')] }), delayMs: 1_500 }, { body: completion({ content: 'I sent you a reset link.' }) }],
      ['--as', 'alice', '--thread', 't', '--json', 'reset my password'],
    );
    try {
      await until('the CLI to be asking its LLM', () => llm.requests.length === 1 && leaseOf(db, 't')?.requester === alice.id);
      expect(here.runner.stopTurn('t', intern)).toBe('not_yours');
      expect(leaseOf(db, 't')).toEqual({ requester: alice.id, stop_requested_by: null });
      const r = json(await done);
      expect(r.executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: true })]);
      expect(r.reply).not.toMatch(/Stopped/);
      expect(count(db, 'select count(*) n from password_resets')).toBe(1);
    } finally {
      await llm.close();
      await here.close();
    }
  }, 60_000);

  test('a Stop when nothing runs anywhere is not kept: the next turn runs', async () => {
    const db = tempDbPath();
    const here = openSentinel({ db });
    const alice = await here.identify('alice');
    const cli = (text: string) => runEntryAsync('apps/cli/main.ts', ['--as', 'alice', '--thread', 't', '--json', text], { SENTINEL_DB: db, SENTINEL_LLM: 'offline' });
    try {
      expect(here.runner.stopTurn('t', alice)).toBe('not_running'); // never ran
      json(await cli('what is the status of IT-1042?'));
      expect(here.runner.stopTurn('t', alice)).toBe('not_running'); // ran and ended in another process
      expect(count(db, 'select count(*) n from turn_leases')).toBe(0);
      const next = json(await cli('reset my password'));
      expect(next.executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: true })]);
      expect(next.reply).not.toMatch(/Stopped/);
    } finally {
      await here.close();
    }
  }, 60_000);

  test('a Stop asked while the process running the turn died holds when another process finishes it: nothing runs', async () => {
    const db = tempDbPath();
    // Killed (SIGKILL) once the turn decided to run the reset and stored that, before running it.
    const crashed = await runEntryAsync('apps/cli/main.ts', ['--as', 'alice', '--thread', 't', '--json', 'reset my password'], { SENTINEL_DB: db, SENTINEL_LLM: 'offline', SENTINEL_CRASH_AT: 'intent_stored:1' });
    expect(crashed.signal === 'SIGKILL' || crashed.code === 137).toBe(true); // tsx passes the kill on as 137
    const here = openSentinel({ db });
    try {
      const alice = await here.identify('alice');
      // Its lease has not run out yet: to anyone pressing Stop the turn is still running.
      expect(here.runner.stopTurn('t', await here.identify('intern'))).toBe('not_yours');
      expect(here.runner.stopTurn('t', alice)).toBe('stopped');
      // alice's next message finishes the interrupted turn first (stopped), then runs as a turn of its own.
      const next = await here.runner.handleMessage('t', alice, 'reset my password');
      expect(next.recovered!.reply).toMatch(/^⏹️ Stopped, as you asked: nothing was run\./);
      expect(next.recovered!.executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: false, output: expect.objectContaining({ stopped: true }) })]);
      expect(next.executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: true })]);
      expect(count(db, 'select count(*) n from password_resets')).toBe(1);
      expect(count(db, "select count(*) n from audit where kind = 'execution_started'")).toBe(1);
    } finally {
      await here.close();
    }
  }, 60_000);

  test('a Stop asked before a dead process’s lease ran out still holds when its turn is finished after it ran out', async () => {
    const db = tempDbPath();
    const crashed = await runEntryAsync('apps/cli/main.ts', ['--as', 'alice', '--thread', 't', '--json', 'reset my password'], { SENTINEL_DB: db, SENTINEL_LLM: 'offline', SENTINEL_CRASH_AT: 'intent_stored:1' });
    expect(crashed.signal === 'SIGKILL' || crashed.code === 137).toBe(true);
    const here = openSentinel({ db });
    try {
      expect(here.runner.stopTurn('t', await here.identify('alice'))).toBe('stopped');
      // A restart long after (or a holder on another host): the lease has run out, no takeover of a dead pid.
      here.database.sqlite.prepare("update turn_leases set expires_at = 1 where conversation_id = 't'").run();
      await here.runner.recover();
      expect(count(db, 'select count(*) n from password_resets')).toBe(0);
      expect(count(db, "select count(*) n from audit where kind = 'execution_started'")).toBe(0);
      expect(count(db, "select count(*) n from executions where json_extract(output, '$.stopped') = 1")).toBe(1);
    } finally {
      await here.close();
    }
  }, 60_000);

  test.each([
    ['an allowed reset', 'reset my password', call('reset_password', { user: 'alice' })],
    ['a grant that needs approval', 'I need github write access for 8 hours', call('provision_access', { user: 'alice', system: 'github', level: 'write', duration_hours: 8, reason: 'release' })],
  ])('a Stop recorded from another process while the LLM answers (%s): nothing is decided, run or asked of anyone, though the owner has not looked yet', async (_what, text, proposed) => {
    const db = tempDbPath();
    const other = openSentinel({ db });
    const alice = await other.identify('alice');
    let stopOutcome: string | undefined;
    // The Stop is recorded from the other runner as the LLM answers: the owner's next look at its lease is up
    // to 250 ms away; the guard reads the lease before deciding (and again before storing any approval).
    const llm: LlmProvider = {
      name: 'stopped-while-answering',
      async propose() {
        stopOutcome = other.runner.stopTurn('t', alice);
        return { text: 'On it.', calls: [proposed] };
      },
      summarize: offlineProvider.summarize,
    };
    const owner = openSentinel({ db, llm });
    try {
      expect(owner.runner.owner).not.toBe(other.runner.owner);
      const r = await owner.runner.handleMessage('t', alice, text);
      expect(stopOutcome).toBe('stopped');
      expect(r.reply).toMatch(/^⏹️ Stopped, as you asked: nothing was run\./);
      expect(r.executed).toEqual([]);
      expect(r.approvals).toEqual([]);
      expect(count(db, 'select count(*) n from password_resets')).toBe(0);
      expect(count(db, 'select count(*) n from executions')).toBe(0);
      expect(count(db, 'select count(*) n from approvals')).toBe(0);
      expect(count(db, "select count(*) n from audit where kind in ('execution_started', 'approval_requested')")).toBe(0);
    } finally {
      await owner.close();
      await other.close();
    }
  }, 30_000);

  test('a Stop recorded once an action started: it finishes and is reported, the next one never starts', async () => {
    const db = tempDbPath();
    const other = openSentinel({ db });
    const alice = await other.identify('alice');
    const plan: Plan = {
      text: 'I will open a ticket and check your laptop.',
      calls: [call('create_support_ticket', { summary: 'Laptop is slow', description: 'It is slow since Monday', priority: 'low' }), call('run_device_diagnostic', { device_id: 'LAPTOP-ALICE-01' })],
    };
    const llm: LlmProvider = { name: 'scripted', propose: async () => plan, summarize: offlineProvider.summarize };
    let stopOutcome: string | undefined;
    const owner = openSentinel({
      db,
      llm,
      backends: (b) => {
        const tickets = Object.assign(Object.create(b.tickets) as typeof b.tickets, {
          create: async (...args: Parameters<typeof b.tickets.create>) => {
            stopOutcome = other.runner.stopTurn('t', alice);
            return b.tickets.create(...args);
          },
        });
        return { ...b, tickets };
      },
    });
    try {
      const r = await owner.runner.handleMessage('t', alice, 'my laptop is slow, open a ticket and check it');
      expect(stopOutcome).toBe('stopped');
      expect(r.reply).toMatch(/^⏹️ Stopped, as you asked\. What had already started is reported below; nothing else was run\./);
      expect(r.executed.map((e) => [e.tool, e.ok, e.output.stopped ?? false])).toEqual([
        ['create_support_ticket', true, false],
        ['run_device_diagnostic', false, true],
      ]);
      expect(count(db, "select count(*) n from audit where kind = 'execution_started' and json_extract(data, '$.tool') = 'run_device_diagnostic'")).toBe(0);
    } finally {
      await owner.close();
      await other.close();
    }
  }, 30_000);
});

describe('turn_leases: whose turn it is and a Stop asked for it', () => {
  test('a lease taken over from a dead or expired holder keeps the requester and Stop of its turn; a new turn forgets them', () => {
    const s = openSentinel();
    const { db } = s.database;
    try {
      const now = Date.now();
      expect(acquireLease(db, 'c', 'p1', now, now + 10_000)).toBe(true);
      expect(requestStop(db, 'c', 'alice', now)).toBe('not_running'); // held, but no turn of anyone's yet
      setLeaseRequester(db, 'c', 'p1', 'alice', { newTurn: true });
      expect(requestStop(db, 'c', 'bob', now)).toBe('not_yours');
      expect(stopRequested(db, 'c', 'p1')).toBeNull();
      expect(requestStop(db, 'c', 'alice', now)).toBe('stopped');
      expect(stopRequested(db, 'c', 'p1')).toBe('alice');
      expect(stopRequested(db, 'c', 'p2')).toBeNull(); // only the holder is told
      // Taken over from a dead owner: the turn it was stopping stays stopped.
      expect(takeOverLease(db, 'c', 'p1', 'p2', now + 10_000)).toBe(true);
      expect(stopRequested(db, 'c', 'p2')).toBe('alice');
      // Its holder gone past its lease (a restart minutes later, another host): whoever takes it finishes
      // that turn first, and the Stop still holds for it.
      expect(acquireLease(db, 'c', 'p3', now + 20_000, now + 30_000)).toBe(true);
      expect(stopRequested(db, 'c', 'p3')).toBe('alice');
      // A new turn clears a Stop asked for the one before, and is nobody's until it says whose.
      setLeaseRequester(db, 'c', 'p3', null, { newTurn: true });
      expect(stopRequested(db, 'c', 'p3')).toBeNull();
      expect(requestStop(db, 'c', 'alice', now)).toBe('not_running');
      expect(takeOverLease(db, 'c', 'p3', 'p2', now + 10_000)).toBe(true);
      setLeaseRequester(db, 'c', 'p2', 'alice', { newTurn: true });
      expect(requestStop(db, 'c', 'alice', now)).toBe('stopped');
      setLeaseRequester(db, 'c', 'p2', 'alice', { newTurn: true });
      expect(stopRequested(db, 'c', 'p2')).toBeNull();
      // An expired lease runs nothing: a Stop then is not recorded.
      expect(requestStop(db, 'c', 'alice', now + 10_000)).toBe('not_running');
      expect(stopRequested(db, 'c', 'p2')).toBeNull();
    } finally {
      void s.close();
    }
  });
});
