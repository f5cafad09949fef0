import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tempDbPath } from './support/harness';
import { LoopbackSlack } from './support/loopback-slack';
import { ROOT, runEntry, startEntry } from './support/processes';
import { PEOPLE } from './support/slack-fixture';

const MAIN = 'apps/slack/main.ts';

/** Every process below `pid` (children, grandchildren, …), from /proc. */
function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when there are none
  }
  const children = out.split('\n').map(Number).filter(Boolean);
  return children.flatMap((c) => [c, ...descendants(c)]);
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const startOnce = (env: Record<string, string>) => runEntry(MAIN, [], { SENTINEL_DB: tempDbPath(), ...env });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jsonLines = (text: string) => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

/**
 * A port in front of the loopback Slack that drops every connection until `up()`: Slack unreachable at
 * start, then reachable, at a URL the app was given before Slack existed.
 */
async function flakyFront(target: () => number | undefined) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const port = target();
    if (port === undefined) return void client.destroy();
    const upstream = net.connect(port, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

/** A port nothing listens on (closed right after the kernel handed it out). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('npm start (the Slack app as a child process)', () => {
  test('missing tokens: one clear message naming the variable, and a pointer to npm run cli', () => {
    const r = startOnce({});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SLACK_BOT_TOKEN: not set/);
    expect(r.stderr).toMatch(/npm run cli/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('malformed tokens are named before anything connects', () => {
    expect(startOnce({ SLACK_BOT_TOKEN: 'xoxp-user-token' }).stderr).toMatch(/SLACK_BOT_TOKEN: does not look like a bot token/);
    const r = startOnce({ SLACK_BOT_TOKEN: 'xoxb-1-ok', SLACK_APP_TOKEN: 'xoxb-wrong-kind' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SLACK_APP_TOKEN: does not look like an app-level token/);
    expect(startOnce({ SLACK_BOT_TOKEN: 'xoxb-1-ok', SLACK_APP_TOKEN: 'xapp-1-ok', SENTINEL_APPROVALS_CHANNEL: '#it' }).stderr).toMatch(/SENTINEL_APPROVALS_CHANNEL/);
  });

  test('unreachable Slack: one warn per backoff step naming the URL and the cause, retrying, and SIGTERM stops it at once', async () => {
    const apiUrl = `http://127.0.0.1:${await closedPort()}/api/`;
    const { child, stderr, exited } = startEntry(MAIN, { SENTINEL_DB: tempDbPath(), SLACK_BOT_TOKEN: 'xoxb-1-ok', SLACK_APP_TOKEN: 'xapp-1-ok', SLACK_API_URL: apiUrl });
    // Attempts at about 0 s, 1 s and 3 s; the fourth is not due until 7 s, so SIGTERM lands in a backoff wait.
    const deadline = Date.now() + 20_000;
    while (jsonLines(stderr()).filter((l) => l.level === 40).length < 3 && Date.now() < deadline) await sleep(50);
    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(1_500); // not waiting out the 4 s backoff
    const logs = jsonLines(stderr());
    const warns = logs.filter((l) => l.level === 40);
    expect(warns.map((w) => [w.attempt, w.retryInMs, w.cause, w.url])).toEqual([
      [1, 1000, 'ECONNREFUSED', apiUrl],
      [2, 2000, 'ECONNREFUSED', apiUrl],
      [3, 4000, 'ECONNREFUSED', apiUrl],
    ]);
    expect(warns[0]!.msg).toBe(`cannot reach Slack at ${apiUrl}; trying again in 1 s`);
    expect(stderr()).not.toMatch(/\n\s+at /); // no stack traces
    expect(stderr()).not.toMatch(/rejected SLACK_BOT_TOKEN/); // a network failure says nothing about the token
    expect(logs.map((l) => l.msg)).toContain('stopping: finishing the turns in progress');
  }, 30_000);

  test('SIGTERM to `npm start` itself (systemd, kill <pid>) stops the app: no process is left behind', async () => {
    const apiUrl = `http://127.0.0.1:${await closedPort()}/api/`;
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SENTINEL_DB: tempDbPath(), SLACK_BOT_TOKEN: 'xoxb-1-ok', SLACK_APP_TOKEN: 'xapp-1-ok', SLACK_API_URL: apiUrl },
    });
    let err = '';
    npm.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => npm.on('exit', r));
    const deadline = Date.now() + 20_000;
    while (!/cannot reach Slack/.test(err) && Date.now() < deadline) await sleep(50);
    const tree = descendants(npm.pid!);
    npm.kill('SIGTERM');
    expect(tree.length).toBeGreaterThan(0);
    await exited;
    const until = Date.now() + 5_000;
    while (tree.some(alive) && Date.now() < until) await sleep(50);
    expect(tree.filter(alive)).toEqual([]);
    expect(err).toMatch(/stopping: finishing the turns in progress/);
  }, 30_000);

  test('Slack down at start and up later: it connects by itself and answers', async () => {
    let slack: LoopbackSlack | undefined;
    const front = await flakyFront(() => (slack ? Number(new URL(slack.apiUrl).port) : undefined));
    try {
      // The loopback Slack's tokens, known before it runs.
      const tokens = { SLACK_BOT_TOKEN: 'xoxb-0000-loopback-bot', SLACK_APP_TOKEN: 'xapp-1-A0LOOP-0000-loopback' };
      const { child, stderr, exited } = startEntry(MAIN, { SENTINEL_DB: tempDbPath(), ...tokens, SLACK_API_URL: front.apiUrl });
      const deadline = Date.now() + 20_000;
      while (!/cannot reach Slack/.test(stderr()) && Date.now() < deadline) await sleep(100);
      const started = await LoopbackSlack.start();
      expect([started.botToken, started.appToken]).toEqual([tokens.SLACK_BOT_TOKEN, tokens.SLACK_APP_TOKEN]);
      slack = started;
      slack.addUser({ ...PEOPLE.alice });
      await slack.waitFor(() => (slack!.link.connected ? true : undefined), 30_000);
      const m = slack.dm(PEOPLE.alice.id, 'reset my password');
      const [answer] = await slack.replies(m.channel, m.ts, 1, 30_000);
      expect(answer!.text).toMatch(/password reset link/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(jsonLines(stderr()).filter((l) => l.level === 40).length).toBeGreaterThanOrEqual(1);
      expect(stderr()).toMatch(/connected to Slack/);
    } finally {
      await front.close();
      await slack?.close();
    }
  }, 60_000);

  describe('against a loopback Slack', () => {
    let slack: LoopbackSlack;
    beforeEach(async () => {
      slack = await LoopbackSlack.start();
      slack.addUser({ ...PEOPLE.alice });
    });
    afterEach(async () => {
      await slack.close();
    });

    test.each([
      ['SLACK_BOT_TOKEN', 'xoxb-revoked', /Slack rejected SLACK_BOT_TOKEN \(auth\.test: invalid_auth\)/],
      ['SLACK_APP_TOKEN', 'xapp-1-revoked', /Socket Mode connection for SLACK_APP_TOKEN \(apps\.connections\.open: invalid_auth\)/],
    ])('a %s Slack rejects is reported by name, without a crash', async (variable, value, message) => {
      const app = startEntry(MAIN, { SENTINEL_DB: tempDbPath(), ...slack.env(), [variable]: value });
      expect(await app.exited).toBe(2);
      expect(app.stderr()).toMatch(message);
    });

    test('answers a DM, stops cleanly on SIGTERM, and never logs a token (even at debug level)', async () => {
      const { child, stderr: logs, exited } = startEntry(MAIN, { SENTINEL_DB: tempDbPath(), ...slack.env(), LOG_LEVEL: 'debug' });
      await slack.waitFor(() => (slack.link.connected ? true : undefined), 30_000);
      const m = slack.dm(PEOPLE.alice.id, 'reset my password');
      const [answer] = await slack.replies(m.channel, m.ts, 1, 30_000);
      expect(answer!.text).toMatch(/password reset link to alice@example\.com/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const stderr = logs();
      expect(stderr).toMatch(/connected to Slack/);
      expect(stderr.length).toBeGreaterThan(1000); // debug logging really ran
      expect(stderr).not.toContain(slack.botToken.slice(5));
      expect(stderr).not.toContain(slack.appToken.slice(5));
    }, 60_000);
  });
});
