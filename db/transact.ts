import type Database from 'better-sqlite3';
import type { Db } from './client';

type Runner = Database.Transaction<(fn: () => unknown) => unknown>;
const runners = new WeakMap<Database.Database, Runner>();

/**
 * Runs `fn` as one IMMEDIATE transaction (so two writers never interleave a read-then-write) on the
 * connection behind `db`. Queries inside use `db` itself: a transaction is the connection's state in
 * better-sqlite3, and reusing `db` lets prepared queries be built once instead of per transaction.
 */
export function transact<T>(db: Db, fn: () => T): T {
  const sqlite = db.$client;
  let run = runners.get(sqlite);
  if (!run) {
    run = sqlite.transaction((f: () => unknown) => f());
    runners.set(sqlite, run);
  }
  return run.immediate(fn) as T;
}
