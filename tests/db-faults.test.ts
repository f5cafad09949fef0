import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { verifyAudit } from '../db/audit-verify';
import { openSentinel } from './support/harness';
import { tempDbPath } from './support/harness';
import { LoopbackSlack } from './support/loopback-slack';
import { ROOT, runEntry, startEntry } from './support/processes';
import { PEOPLE } from './support/slack-fixture';

/**
 * Another process that takes the write lock and holds it until released (or for `ms`). SQLite waits
 * synchronously, so the holder cannot live in this event loop.
 */
async function lockHolder(file: string, ms = 60_000) {
  const script = `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(file)}); d.exec('BEGIN IMMEDIATE'); console.log('locked');
    const done = () => { d.exec('ROLLBACK'); d.close(); process.exit(0); }; setTimeout(done, ${ms}); process.stdin.on('end', done); process.stdin.resume();`;
  const holder = spawn(process.execPath, ['-e', script], { cwd: ROOT });
  const exited = new Promise((resolve) => holder.on('exit', resolve));
  await new Promise((resolve) => holder.stdout.once('data', resolve));
  return { release: () => (holder.stdin.end(), exited), exited };
}

const count = (s: ReturnType<typeof openSentinel>, sql: string) => (s.database.sqlite.prepare(sql).get() as { n: number }).n;

describe('database faults: a clear error, nothing half-done, and the service goes on', () => {
  test('a database locked by another writer: the Slack app answers with an apology, keeps serving, and the thread works after', async () => {
    const slack = await LoopbackSlack.start();
    slack.addUser({ ...PEOPLE.alice });
    const db = tempDbPath();
    // The app is its own process, as in production; this test process plays the other writer.
    const app = startEntry('apps/slack/main.ts', { SENTINEL_DB: db, SENTINEL_DB_BUSY_MS: '100', ...slack.env() });
    try {
      await slack.waitFor(() => (slack.link.connected ? true : undefined), 30_000);
      const first = slack.dm(PEOPLE.alice.id, 'what is the status of IT-1042?');
      await slack.replies(first.channel, first.ts, 1, 30_000);
      const reader = new Database(db, { readonly: true });
      const rows = (sql: string) => (reader.prepare(sql).get() as { n: number }).n;
      const before = { messages: rows('select count(*) n from messages'), decisions: rows('select count(*) n from decisions') };

      const intruder = new Database(db);
      intruder.exec('BEGIN IMMEDIATE');
      const locked = slack.dm(PEOPLE.alice.id, 'reset my password');
      const [apology] = await slack.replies(locked.channel, locked.ts, 1, 30_000);
      intruder.exec('ROLLBACK');
      intruder.close();
      expect(apology!.text).toMatch(/something went wrong on my side and your request was not handled/);
      // Nothing of the failed turn was written.
      expect(rows('select count(*) n from messages')).toBe(before.messages);
      expect(rows('select count(*) n from decisions')).toBe(before.decisions);
      expect(rows('select count(*) n from password_resets')).toBe(0);

      // The same thread and the others carry on.
      slack.dm(PEOPLE.alice.id, 'reset my password', { threadTs: locked.ts });
      const [, retried] = await slack.replies(locked.channel, locked.ts, 2, 30_000);
      expect(retried!.text).toMatch(/password reset link/);
      slack.dm(PEOPLE.alice.id, 'my laptop is slow', { threadTs: first.ts });
      const [, other] = await slack.replies(first.channel, first.ts, 2, 30_000);
      expect(other!.text).toMatch(/LAPTOP-ALICE-01/);
      expect(rows('select count(*) n from password_resets')).toBe(1);
      expect(verifyAudit(reader).ok).toBe(true);
      reader.close();
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
      await slack.close();
    }
  }, 60_000);

  test('a lock another process releases within the busy timeout is simply waited for', async () => {
    const s = openSentinel({ env: { SENTINEL_DB_BUSY_MS: '5000' } });
    const holder = await lockHolder(s.dbPath, 300);
    const started = Date.now();
    const r = await s.runner.handleMessage('t', await s.identify('alice'), 'reset my password');
    expect(r.executed[0]!.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100); // it did wait for the other writer
    await holder.exited;
    await s.close();
  });

  test('a full disk: the turn fails with SQLITE_FULL, leaves no half-done action, and works once there is room', async () => {
    const s = openSentinel();
    const alice = await s.identify('alice');
    await s.runner.handleMessage('warm', alice, 'what is the status of IT-1042?');
    const pages = (s.database.sqlite.pragma('page_count', { simple: true }) as number) + 0;
    s.database.sqlite.pragma(`max_page_count = ${pages}`); // no room to grow
    const big = `my laptop is slow. ${'details '.repeat(400)}`;
    let failures = 0;
    for (let i = 0; i < 20; i++) {
      try {
        await s.runner.handleMessage(`t${i}`, alice, big);
      } catch (err) {
        expect(String(err)).toMatch(/full/i);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
    // No journaled action was left started or planned by the failures.
    expect(count(s, "select count(*) n from executions where status in ('planned', 'started')")).toBe(0);
    s.database.sqlite.pragma('max_page_count = 1073741823');
    const r = await s.runner.handleMessage('after', alice, 'reset my password');
    expect(r.executed[0]!.ok).toBe(true);
    expect(verifyAudit(s.database.sqlite).ok).toBe(true);
    await s.close();
  });

  test('the CLI reports a locked database by name and exits 1', () => {
    const s = openSentinel();
    const file = s.dbPath;
    void s.close();
    const intruder = new Database(file);
    intruder.exec('BEGIN EXCLUSIVE'); // the CLI is another process, so a lock held here is foreign to it
    const r = runEntry('apps/cli/main.ts', ['--as', 'alice', 'reset my password'], { SENTINEL_DB: file, SENTINEL_DB_BUSY_MS: '100' });
    intruder.exec('ROLLBACK');
    intruder.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/database is locked/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
