import type { Backends } from '../tools/backends/types';
import type { LlmProvider } from '../machines/llm/provider';
import { offlineProvider } from '../machines/llm/offline';
import { openSentinel, tempDbPath } from './support/harness';

// A "crash" here: the first process hangs forever at a chosen step and is abandoned; a second process
// opens the same SQLite file and recovers. (Real SIGKILLs of child processes are tested with the CLI.)
const LEASE_MS = 300;
const never = () => new Promise<never>(() => undefined);

function hangingLlm(step: 'propose' | 'summarize'): LlmProvider {
  return {
    name: 'hanging',
    propose: (req, signal) => (step === 'propose' ? never() : offlineProvider.propose(req, signal)),
    summarize: (req, signal) => (step === 'summarize' ? never() : offlineProvider.summarize(req, signal)),
  };
}

function hangingMdm(when: 'lookup' | 'after-command'): (b: Backends) => Backends {
  return (b) => ({
    ...b,
    mdm: {
      ...b.mdm,
      get: when === 'lookup' ? () => never() : b.mdm.get,
      command: async (...args) => {
        await b.mdm.command(...args);
        return never();
      },
    },
  });
}

async function crashThenRecover(first: Parameters<typeof openSentinel>[0], message: string, as = 'intern') {
  const db = tempDbPath();
  const a = openSentinel({ ...first, db, leaseMs: LEASE_MS });
  void a.runner.handleMessage('t', await a.identify(as), message).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 150));
  const stateAtCrash = (a.database.sqlite.prepare("select state from conversations where id = 't'").get() as { state: string } | undefined)?.state;
  // The first process dies: it stops renewing its lease, which runs out; only then may another take over.
  a.database.close();
  await new Promise((r) => setTimeout(r, LEASE_MS + 50));
  const b = openSentinel({ db });
  const recovered = await b.runner.recover();
  const q = (sql: string) => b.database.sqlite.prepare(sql).all();
  return { stateAtCrash, recovered, b, q };
}

describe('restart in every state', () => {
  test('crash while proposing: the turn is re-planned and answered once', async () => {
    const r = await crashThenRecover({ llm: hangingLlm('propose') }, 'lock my laptop');
    expect(r.stateAtCrash).toBe('proposing');
    expect(r.recovered).toHaveLength(1);
    expect(r.recovered[0]!.executed[0]).toMatchObject({ tool: 'execute_remote_command', ok: true });
    expect(r.q("select role from messages where conversation_id = 't' order by id")).toEqual([{ role: 'user' }, { role: 'assistant' }]);
    expect(r.q('select count(*) n from device_commands')).toEqual([{ n: 1 }]);
  });

  test('crash while guarding (target lookup hangs): decided once, run once', async () => {
    const r = await crashThenRecover({ backends: hangingMdm('lookup') }, 'lock my laptop');
    expect(['proposing', 'guarding']).toContain(r.stateAtCrash);
    expect(r.recovered[0]!.executed[0]).toMatchObject({ ok: true });
    expect(r.q('select count(*) n from decisions')).toEqual([{ n: 1 }]);
    expect(r.q('select count(*) n from device_commands')).toEqual([{ n: 1 }]);
  });

  test('crash after the backend acted but before the result was journaled: in doubt, never re-run', async () => {
    const r = await crashThenRecover({ backends: hangingMdm('after-command') }, 'lock my laptop');
    expect(r.stateAtCrash).toBe('executing');
    expect(r.q('select status from executions')).toEqual([{ status: 'in_doubt' }]);
    expect(r.q('select count(*) n from device_commands')).toEqual([{ n: 1 }]);
    expect(r.recovered[0]!.executed[0]).toMatchObject({ ok: false });
    expect(r.recovered[0]!.reply).toMatch(/do not know whether it happened/);
    // the conversation stays usable
    const next = await r.b.runner.handleMessage('t', await r.b.identify('intern'), 'check my laptop');
    expect(next.executed[0]).toMatchObject({ tool: 'run_device_diagnostic', ok: true });
  });

  test('crash while summarizing: the stored result is reported, the action is not repeated', async () => {
    const r = await crashThenRecover({ llm: hangingLlm('summarize') }, 'lock my laptop');
    expect(r.stateAtCrash).toBe('executing');
    expect(r.recovered[0]!.executed[0]).toMatchObject({ ok: true, output: { device_status: 'locked' } });
    expect(r.q('select count(*) n from device_commands')).toEqual([{ n: 1 }]);
    expect(r.q("select attempts from executions")).toEqual([{ attempts: 1 }]);
  });

  test('restart while awaiting approval: the click after the restart works', async () => {
    const db = tempDbPath();
    const a = openSentinel({ db });
    const r = await a.runner.handleMessage('t', await a.identify('intern'), 'wipe my laptop');
    a.database.close();
    const b = openSentinel({ db });
    expect(await b.runner.recover()).toEqual([]);
    const done = await b.runner.decideApproval(r.approvals[0]!.id, await b.identify('sam'), 'approve');
    expect(done.executed[0]).toMatchObject({ ok: true, output: { device_status: 'wiped' } });
  });

  test('crash between the approval decision and its execution: recovery runs it once', async () => {
    const db = tempDbPath();
    const a = openSentinel({ db, backends: hangingMdm('after-command') });
    const r = await a.runner.handleMessage('t', await a.identify('intern'), 'wipe my laptop');
    // decide the approval in the database only, as if the process died right after the click was stored
    a.database.sqlite.prepare("update approvals set status = 'approved', decided_by = 'sam', decided_at = 1 where id = ?").run(r.approvals[0]!.id);
    const b = openSentinel({ db });
    const recovered = await b.runner.recover();
    expect(recovered[0]!.executed[0]).toMatchObject({ ok: true, output: { device_status: 'wiped' } });
    expect(await b.runner.recover()).toEqual([]);
    expect(b.database.sqlite.prepare('select count(*) n from device_commands').get()).toEqual({ n: 1 });
  });

  test('a corrupted snapshot starts the conversation afresh instead of crashing', async () => {
    const db = tempDbPath();
    const a = openSentinel({ db });
    await a.runner.handleMessage('t', await a.identify('intern'), 'hi');
    a.database.sqlite.prepare("update conversations set snapshot = '{not json' where id = 't'").run();
    const r = await a.runner.handleMessage('t', await a.identify('intern'), 'check my laptop');
    expect(r.executed[0]).toMatchObject({ ok: true });
  });
});
