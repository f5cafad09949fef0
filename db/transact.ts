import type Database from 'better-sqlite3';
import type { Db } from './client';

interface Connection {
  run: Database.Transaction<(fn: () => unknown) => unknown>;
  fullSync: Database.Statement;
  normalSync: Database.Statement;
}

const connections = new WeakMap<Database.Database, Connection>();

function connectionOf(db: Db): Connection {
  const sqlite = db.$client;
  let c = connections.get(sqlite);
  if (!c) {
    c = {
      run: sqlite.transaction((fn: () => unknown) => fn()),
      fullSync: sqlite.prepare('PRAGMA synchronous = FULL'),
      normalSync: sqlite.prepare('PRAGMA synchronous = NORMAL'),
    };
    connections.set(sqlite, c);
  }
  return c;
}

/**
 * Runs `fn` as one IMMEDIATE transaction (so two writers never interleave a read-then-write) on the
 * connection behind `db`. Queries inside use `db` itself: a transaction is the connection's state in
 * better-sqlite3, and reusing `db` lets prepared queries be built once instead of per transaction.
 *
 * `durable` is the write-ahead rule for side effects: the connection runs with synchronous=NORMAL (a
 * commit survives the process dying, not a power cut), and a commit that must be on disk before
 * something irreversible happens outside the process — a tool touching a real system — is fsynced.
 * The WAL is append-only, so that fsync also hardens every commit made before it.
 */
export function transact<T>(db: Db, fn: () => T, opts: { durable?: boolean } = {}): T {
  const c = connectionOf(db);
  // The sync level cannot change inside a transaction; an enclosing one decides for both.
  if (!opts.durable || db.$client.inTransaction) return c.run.immediate(fn) as T;
  c.fullSync.run();
  try {
    return c.run.immediate(fn) as T;
  } finally {
    c.normalSync.run();
  }
}
