import fs from 'node:fs';
import Database from 'better-sqlite3';
import { APPROVE_ACTION } from '../apps/slack/blocks/approval-card';
import { verifyAudit } from '../db/audit-verify';
import { ALL_CRASH_POINTS, type CrashPoint } from '../machines/crash-points';
import { tempDbPath } from './support/harness';
import { LoopbackSlack, type PostedMessage } from './support/loopback-slack';
import { startEntry } from './support/processes';
import { APPROVALS_CHANNEL, PEOPLE } from './support/slack-fixture';

// `npm start` itself (apps/slack/main.ts as a child process, against a loopback Slack speaking the real
// Web API and Socket Mode), SIGKILLed at each named point of the approval path — alice asks to wipe her
// laptop, the card goes to the approvals channel, sam approves, the wipe runs, alice's thread and the
// card show the outcome — then started again on the same SQLite file against the same Slack. Judged from
// the database and from what Slack received: nothing ran twice, nothing was posted twice, every card and
// thread shows the final outcome, every outbox row is sent, and the audit log verifies.

const MAIN = 'apps/slack/main.ts';
const FULL = process.env.SENTINEL_CRASH_FULL === '1';

// Where each point is reached on this path (the n-th time): alice's DM turn stores its message
// (turn_stored:1), its decisions (decisions_stored:1) and rests awaiting approval (reply_stored:1); the
// deliverer posts the card (delivery_posted:1) and the reply (delivery_posted:2). Sam's click stores the
// decision (approval_stored:1), the approval turn runs the wipe (intent_stored:1 … result_stored:1) and
// rests (reply_stored:2); the card update (delivery_posted:3) and the outcome reply (delivery_posted:4)
// go out. The short run (npm test) kills once at every point; npm run test:crash kills at every place.
const SHORT = ['turn_stored:1', 'decisions_stored:1', 'approval_stored:1', 'intent_stored:1', 'execution_started:1', 'backend_called:1', 'result_stored:1', 'reply_stored:2', 'delivery_posted:2'];
const EXTRA = ['reply_stored:1', 'delivery_posted:1', 'delivery_posted:3', 'delivery_posted:4'];
const cases = (FULL ? [...SHORT, ...EXTRA] : SHORT).map((at) => [at] as const);

const IN_DOUBT_POINTS: CrashPoint[] = ['execution_started', 'backend_called'];
const hasButtons = (m: PostedMessage) => (m.blocks ?? []).some((b) => b.type === 'actions');
const outboxKey = (m: PostedMessage) => (m.metadata as { event_type?: string; event_payload?: { key?: string } } | undefined)?.event_payload?.key;

/** Which points really killed the app (a point no case reached would prove nothing). */
const fired = new Set<string>();
let killedMidTurn = 0;

interface RunningApp {
  stderr: () => string;
  /** The exit code once the process is gone (137: SIGKILL, reported by tsx as 128 + 9). */
  exitCode: () => number | null | undefined;
  exited: Promise<number | null>;
  stop: () => Promise<number | null>;
}

describe('npm start killed (SIGKILL) at every point of the approval path, then restarted', () => {
  let slack: LoopbackSlack;
  let dbPath: string;
  let reader: Database.Database | undefined;
  const apps: RunningApp[] = [];

  beforeEach(async () => {
    slack = await LoopbackSlack.start();
    for (const p of Object.values(PEOPLE)) slack.addUser({ ...p });
    dbPath = tempDbPath();
  });
  afterEach(async () => {
    for (const a of apps.splice(0)) if (a.exitCode() === undefined) await a.stop();
    reader?.close();
    reader = undefined;
    await slack.close();
  });

  /** Starts the app as `npm start` does and waits for its Socket Mode hello. */
  async function startApp(crashAt?: string): Promise<RunningApp> {
    const hellos = slack.link.hellos;
    const { child, stderr, exited } = startEntry(MAIN, {
      ...slack.env(),
      SENTINEL_DB: dbPath,
      SENTINEL_LLM: 'offline',
      SENTINEL_APPROVALS_CHANNEL: APPROVALS_CHANNEL,
      LOG_LEVEL: 'warn',
      ...(crashAt ? { SENTINEL_CRASH_AT: crashAt } : {}),
    });
    let code: number | null | undefined;
    void exited.then((c) => {
      code = c;
      slack.state.touch(); // wakes whoever waits on the workspace
    });
    const app: RunningApp = {
      stderr,
      exitCode: () => code,
      exited,
      stop: async () => {
        child.kill('SIGTERM');
        return exited;
      },
    };
    apps.push(app);
    await slack.waitFor(() => (slack.link.hellos > hellos ? true : code !== undefined ? fail(`the app exited (${code}) before connecting: ${stderr()}`) : undefined), 30_000);
    return app;
  }

  const fail = (why: string): never => {
    throw new Error(why);
  };

  /** Reads the app's database (WAL: a reader never blocks the app). */
  function q<T>(sql: string): T[] {
    if (!reader) {
      if (!fs.existsSync(dbPath)) return [];
      reader = new Database(dbPath, { readonly: true, fileMustExist: true });
    }
    return reader.prepare(sql).all() as T[];
  }

  /** Nothing left to do: every turn at rest, no action half-run, no decision unreported, every outbox row sent. */
  function settled(): boolean {
    try {
      const [open] = q<{ n: number }>(`select
        (select count(*) from conversations where state not in ('idle', 'awaiting_approval'))
        + (select count(*) from executions where status in ('planned', 'started'))
        + (select count(*) from approvals where status != 'pending' and delivered_at is null)
        + (select count(*) from outbox where status != 'sent') n`);
      return open !== undefined && open.n === 0 && q<{ n: number }>('select count(*) n from outbox')[0]!.n > 0;
    } catch {
      return false; // the schema is not there yet
    }
  }

  /** Waits until `done` holds and the app has nothing left to do, or the app died; says which. */
  async function until(app: RunningApp, done: () => boolean, timeoutMs = 30_000): Promise<'done' | 'killed'> {
    const outcome = await slack
      .waitFor<'done' | 'killed'>(() => {
        if (app.exitCode() !== undefined) return 'killed';
        return done() && settled() ? 'done' : undefined;
      }, timeoutMs)
      .catch(() => {
        const state = {
          conversations: q('select state from conversations'),
          approvals: q('select status, delivered_at from approvals'),
          executions: q('select status from executions'),
          outbox: q('select key, status, attempts, claimed_by, next_attempt_at - cast(unixepoch(\'subsec\') * 1000 as integer) due_in_ms, last_error from outbox'),
        };
        return fail(`the app did not settle within ${timeoutMs} ms: ${JSON.stringify(state)}\n${app.stderr()}`);
      });
    if (outcome === 'killed' && app.exitCode() !== 137) fail(`the app exited with ${app.exitCode()}, not by SIGKILL: ${app.stderr()}`);
    return outcome;
  }

  test.each(cases)('killed at %s: after a restart the wipe ran at most once and every card and thread shows the outcome, each posted once', async (crashAt) => {
    const point = crashAt.split(':')[0] as CrashPoint;
    let app = await startApp(crashAt);
    let crashed = false;
    const restart = async () => {
      crashed = true;
      fired.add(crashAt);
      killedMidTurn += 1;
      app = await startApp();
    };

    const request = slack.dm(PEOPLE.alice.id, 'wipe my laptop');
    const thread = () => slack.botMessages({ channel: request.channel, threadTs: request.ts });
    const cards = () => slack.botMessages({ channel: APPROVALS_CHANNEL });
    const asked = () => cards().length > 0 && thread().length > 0;

    // Alice's turn: the card and her "waiting for an approver" reply, whether or not the app died on the way.
    if ((await until(app, asked)) === 'killed') {
      await restart();
      expect(await until(app, asked)).toBe('done');
    }
    // Nothing was clicked yet: the request waits, and its card still offers the buttons.
    expect(q<{ status: string }>('select status from approvals')).toEqual([{ status: 'pending' }]);
    expect(cards().filter(hasButtons)).toHaveLength(1);
    expect(thread()[0]!.text).toMatch(new RegExp(`Waiting for an approver in <#${APPROVALS_CHANNEL}>`));

    // Sam approves on the card; the process may die while it handles the click (after acking it).
    const card = cards()[0]!;
    const finished = () => q<{ status: string }>('select status from approvals')[0]?.status === 'approved' && !hasButtons(card) && thread().length >= 2;
    let clickAcked = true;
    await slack.click(PEOPLE.sam.id, card, APPROVE_ACTION).catch(() => (clickAcked = false));
    if ((await until(app, finished)) === 'killed') {
      await restart();
      // An unacked click never reached the app's handler: Slack shows sam an error, and he clicks again.
      if (!clickAcked && q<{ status: string }>('select status from approvals')[0]?.status === 'pending') await slack.click(PEOPLE.sam.id, card, APPROVE_ACTION);
      expect(await until(app, finished)).toBe('done');
    }
    expect(await app.stop()).toBe(0); // and the restarted app still stops cleanly

    // Nothing ran twice; an approved wipe is lost only when the crash left it in doubt, and alice was told.
    const wipes = q<{ n: number }>("select count(*) n from device_commands where command = 'wipe'")[0]!.n;
    const executions = q<{ status: string }>("select status from executions where approval_id is not null");
    expect(executions).toHaveLength(1);
    const inDoubt = executions[0]!.status === 'in_doubt';
    const replies = thread();
    if (crashed && IN_DOUBT_POINTS.includes(point)) {
      expect(wipes).toBeLessThanOrEqual(1);
      expect(inDoubt).toBe(true);
      expect(replies.some((m) => /lost track of this action/.test(m.text))).toBe(true);
    } else {
      expect(executions[0]!.status).toBe('succeeded');
      expect(wipes).toBe(1);
      expect(replies.some((m) => /lost track of this action/.test(m.text))).toBe(false);
    }

    // The card: one, decided in place, no buttons left, saying who approved it.
    expect(cards()).toHaveLength(1);
    expect(hasButtons(card)).toBe(false);
    expect(JSON.stringify(card.blocks)).toMatch(/Approved/);
    expect(JSON.stringify(card.blocks)).toContain(`<@${PEOPLE.sam.id}>`);
    // Alice's thread: the waiting reply and the outcome, each once.
    expect(replies).toHaveLength(2);
    expect(new Set(replies.map((m) => m.text)).size).toBe(replies.length);
    expect(replies[1]!.text).toMatch(inDoubt ? /lost track of this action/ : /wipe/i);
    // No double posts anywhere: every bot message carries its outbox key, and no key twice.
    const keys = slack.botMessages().map(outboxKey);
    expect(keys.every((k) => typeof k === 'string')).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
    // Sam was never told something went wrong.
    expect(slack.state.ephemerals).toEqual([]);

    // Every outbox row sent; the audit log verifies.
    expect(q<{ key: string; status: string }>("select key, status from outbox where status != 'sent'")).toEqual([]);
    expect(verifyAudit(reader!).ok).toBe(true);
  }, 90_000);

  afterAll(() => {
    // Every point was really crashed at, by at least one case.
    process.stdout.write(`slack crash tests: ${cases.length} cases, ${killedMidTurn} of them killed the app mid-turn (${[...fired].join(', ')})\n`);
    for (const point of ALL_CRASH_POINTS) expect([...fired].some((c) => c.startsWith(`${point}:`))).toBe(true);
  });
});
