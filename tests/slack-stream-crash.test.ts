import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { tempDbPath } from './support/harness';
import { LoopbackSlack, type PostedMessage } from './support/loopback-slack';
import { startEntry } from './support/processes';
import { APPROVALS_CHANNEL, PEOPLE } from './support/slack-fixture';

// `npm start` (apps/slack/main.ts as a child process, the offline planner) killed after a turn was shown
// as it ran (a streamed message with its task) but before its reply was written over that message, then
// started again on the same SQLite file: the thread ends with exactly one answer, the streamed message
// written over with the reply, nothing posted under it.

const MAIN = 'apps/slack/main.ts';
/** SIGKILL to the app itself: tsx runs it as its own child and does not pass SIGKILL on. */
function killHard(pid: number | undefined): void {
  if (pid === undefined) return;
  const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
  for (const c of children) killHard(c);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}
const outboxKey = (m: PostedMessage) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;

describe('a streamed turn whose process died before its reply was delivered', () => {
  let slack: LoopbackSlack;
  let dbPath: string;
  let reader: Database.Database | undefined;
  const children: Array<{ kill: () => void; exited: Promise<number | null>; code: () => number | null | undefined }> = [];

  beforeEach(async () => {
    slack = await LoopbackSlack.start();
    for (const p of Object.values(PEOPLE)) slack.addUser({ ...p });
    dbPath = tempDbPath();
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.code() === undefined) (c.kill(), await c.exited);
    reader?.close();
    reader = undefined;
    await slack.close();
  });

  async function startApp(crashAt?: string) {
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
      slack.state.touch();
    });
    const app = { kill: () => killHard(child.pid), stop: () => (child.kill('SIGTERM'), exited), exited, code: () => code, stderr };
    children.push(app);
    await slack.waitFor(() => (slack.link.hellos > hellos ? true : code !== undefined ? fail(`the app exited (${code}) before connecting: ${stderr()}`) : undefined), 30_000);
    return app;
  }
  const fail = (why: string): never => {
    throw new Error(why);
  };

  function q<T>(sql: string): T[] {
    if (!reader) {
      if (!fs.existsSync(dbPath)) return [];
      reader = new Database(dbPath, { readonly: true, fileMustExist: true });
    }
    return reader.prepare(sql).all() as T[];
  }
  const delivered = () => {
    try {
      const [row] = q<{ open: number; total: number }>("select sum(status != 'sent') open, count(*) total from outbox where kind = 'reply'");
      return row !== undefined && row.total > 0 && row.open === 0;
    } catch {
      return false;
    }
  };

  /** The thread's bot messages once the reply is delivered and nothing else arrives. */
  async function settledThread(channel: string, threadTs: string): Promise<PostedMessage[]> {
    await slack.waitFor(() => (delivered() ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 1_500)); // a second post would come within a poll
    return slack.botMessages({ channel, threadTs });
  }

  function expectOneAnswer(thread: PostedMessage[]) {
    expect(thread).toHaveLength(1);
    const [answer] = thread;
    expect(answer!.text).toMatch(/LAPTOP-ALICE-01/);
    expect(outboxKey(answer!)).toMatch(/^reply:/);
    expect(answer!.stream?.streaming ?? false).toBe(false);
    expect(q<{ n: number }>('select count(*) n from reply_streams')[0]!.n).toBe(0);
    return answer!;
  }

  test('killed as the turn settled (reply_stored): after a restart the thread has one answer, the streamed message when it was shown', async () => {
    const app = await startApp('reply_stored:1');
    const m = slack.dm(PEOPLE.alice.id, 'run a diagnostic on LAPTOP-ALICE-01');
    await slack.waitFor(() => (app.code() !== undefined ? true : undefined), 30_000);
    expect(app.code()).toBe(137);
    // Nothing was delivered; the stream (if Slack got it before the kill) is left as the dead process left it.
    expect(slack.botMessages({ channel: m.channel, threadTs: m.ts }).every((b) => b.stream !== undefined && b.updates === 0)).toBe(true);
    const shown = slack.botMessages({ channel: m.channel, threadTs: m.ts })[0];
    const restarted = await startApp();
    const answer = expectOneAnswer(await settledThread(m.channel, m.ts));
    if (shown) {
      expect(answer).toBe(shown);
      expect(answer.stream!.tasks!.map((t) => t.status)).toContain('pending');
    }
    expect(slack.state.calls.filter((c) => c.method === 'chat.postMessage' && c.params.thread_ts === m.ts)).toHaveLength(shown ? 0 : 1);
    expect(await restarted.stop()).toBe(0);
  }, 90_000);

  test('killed while Slack refused to take the reply over the stream: the restarted process writes it over that message', async () => {
    const app = await startApp();
    slack.failNext('chat.update', { error: 'internal_error' });
    const m = slack.dm(PEOPLE.alice.id, 'run a diagnostic on LAPTOP-ALICE-01');
    await slack.waitFor(() => (slack.state.calls.some((c) => c.method === 'chat.update') ? true : undefined), 30_000);
    app.kill(); // before the outbox's retry (a second later)
    await app.exited;
    const [shown] = slack.botMessages({ channel: m.channel, threadTs: m.ts });
    expect(shown!.stream).toMatchObject({ streaming: false, mode: 'chunks' });
    expect(shown!.updates).toBe(0);
    const restarted = await startApp();
    const answer = expectOneAnswer(await settledThread(m.channel, m.ts));
    expect(answer).toBe(shown);
    expect(answer.stream!.tasks!.map((t) => t.status)).toEqual(['pending', 'in_progress', 'complete']);
    expect(slack.state.calls.filter((c) => c.method === 'chat.postMessage' && c.params.thread_ts === m.ts)).toHaveLength(0);
    expect(await restarted.stop()).toBe(0);
  }, 90_000);
});
