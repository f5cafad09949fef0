import { openDatabase } from '../db/client';
import { WalSync } from '../db/wal-sync';
import { openSentinel, tempDbPath } from './support/harness';

const alice = { id: 'alice', role: 'employee' as const };

describe('flushing the write-ahead log before side effects', () => {
  test('callers that ask together share flushes (group commit), and every one of them resolves', async () => {
    const file = tempDbPath();
    const d = openDatabase(file);
    const wal = new WalSync(`${file}-wal`);
    d.sqlite.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x')");
    await Promise.all(Array.from({ length: 50 }, () => wal.sync()));
    expect(wal.flushes).toBeGreaterThanOrEqual(1);
    expect(wal.flushes).toBeLessThanOrEqual(2);
    wal.close();
    d.close();
  });

  test('a caller arriving during a flush gets a later flush, which covers its own commit', async () => {
    const file = tempDbPath();
    const d = openDatabase(file);
    const wal = new WalSync(`${file}-wal`);
    const first = wal.sync();
    d.sqlite.exec('CREATE TABLE t (v TEXT)');
    const second = wal.sync();
    expect(second).not.toBe(first);
    await Promise.all([first, second]);
    expect(wal.flushes).toBe(2);
    wal.close();
    d.close();
  });

  test('an in-memory database has nothing to flush', async () => {
    const wal = new WalSync(null);
    await wal.sync();
    expect(wal.flushes).toBe(0);
  });

  test('a flush the disk refuses is an error, not a silent success', async () => {
    // fdatasync on a character device fails (EINVAL), as it would on a failing disk.
    await expect(new WalSync('/dev/null').sync()).rejects.toThrow(/EINVAL/);
  });

  test('an action whose start cannot be made durable is not run, and the requester is told', async () => {
    const failing = new WalSync('/dev/null');
    const s = openSentinel({ syncToDisk: () => failing.sync() });
    const r = await s.runner.handleMessage('t1', alice, 'reset my password');
    expect(r.executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: false })]);
    expect(r.reply).toMatch(/could not record this action safely/);
    const sqlite = s.database.sqlite;
    expect(sqlite.prepare('SELECT count(*) AS n FROM password_resets').get()).toEqual({ n: 0 });
    expect(sqlite.prepare('SELECT status FROM executions').all()).toEqual([{ status: 'failed' }]);
    await s.close();
  });

  test('with a working disk the same request runs once, after one flush', async () => {
    const s = openSentinel();
    const before = s.database.wal.flushes;
    const r = await s.runner.handleMessage('t1', alice, 'reset my password');
    expect(s.database.wal.flushes - before).toBe(1);
    expect(r.executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: true })]);
    expect(s.database.sqlite.prepare('SELECT count(*) AS n FROM password_resets').get()).toEqual({ n: 1 });
    await s.close();
  });
});
