import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { verifyAudit } from '../db/audit-verify';
import { openSentinel } from './support/harness';
import { ROOT, runEntry } from './support/processes';

const count = (s: ReturnType<typeof openSentinel>, sql: string) => (s.database.sqlite.prepare(sql).get() as { n: number }).n;

describe('database faults: a clear error, nothing half-done, and the service goes on', () => {
  test('a database locked by another writer: the turn fails cleanly, then the same and other threads work', async () => {
    const s = openSentinel({ env: { SENTINEL_DB_BUSY_MS: '100' } });
    const alice = await s.identify('alice');
    await s.runner.handleMessage('other', alice, 'what is the status of IT-1042?');
    const before = { messages: count(s, 'select count(*) n from messages'), decisions: count(s, 'select count(*) n from decisions'), resets: count(s, 'select count(*) n from password_resets') };

    const intruder = new Database(s.dbPath);
    intruder.exec('BEGIN IMMEDIATE'); // another process holds the write lock
    await expect(s.runner.handleMessage('t', alice, 'reset my password')).rejects.toThrow(/database is locked/);
    intruder.exec('ROLLBACK');
    intruder.close();

    // Nothing of the failed turn was written.
    expect(count(s, 'select count(*) n from messages')).toBe(before.messages);
    expect(count(s, 'select count(*) n from decisions')).toBe(before.decisions);
    expect(count(s, 'select count(*) n from password_resets')).toBe(before.resets);
    // The thread and the others carry on.
    expect((await s.runner.handleMessage('t', alice, 'reset my password')).executed[0]!.ok).toBe(true);
    expect((await s.runner.handleMessage('other', alice, 'my laptop is slow')).reply).toMatch(/LAPTOP-ALICE-01/);
    expect(count(s, 'select count(*) n from password_resets')).toBe(1);
    expect(verifyAudit(s.database.sqlite).ok).toBe(true);
    await s.close();
  });

  test('a lock another process releases within the busy timeout is simply waited for', async () => {
    const s = openSentinel({ env: { SENTINEL_DB_BUSY_MS: '5000' } });
    // Another process: SQLite waits synchronously, so the lock holder cannot live in this event loop.
    const holder = spawn(process.execPath, ['-e', `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(s.dbPath)}); d.exec('BEGIN IMMEDIATE'); console.log('locked'); setTimeout(() => { d.exec('ROLLBACK'); d.close(); }, 300);`], { cwd: ROOT });
    const holderExited = new Promise((resolve) => holder.on('exit', resolve));
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const started = Date.now();
    const r = await s.runner.handleMessage('t', await s.identify('alice'), 'reset my password');
    expect(r.executed[0]!.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100); // it did wait for the other writer
    await holderExited;
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
    intruder.exec('BEGIN EXCLUSIVE');
    const r = runEntry('apps/cli/main.ts', ['--as', 'alice', 'reset my password'], { SENTINEL_DB: file, SENTINEL_DB_BUSY_MS: '100' });
    intruder.exec('ROLLBACK');
    intruder.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/database is locked/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
