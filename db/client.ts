import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema';
import { WalSync } from './wal-sync';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
export interface SentinelDb {
  db: Db;
  sqlite: Database.Database;
  /** `wal.sync()` resolves once every commit so far is on disk: the write-ahead rule for side effects. */
  wal: WalSync;
  close(): void;
}

const migrationsFolder = path.join(__dirname, 'migrations');

/**
 * Opens (creating if needed) the SQLite file, applies the committed migrations and sets durable settings:
 * WAL so readers never block the writer; synchronous=NORMAL, so every commit survives the process dying,
 * and `wal.sync()` before anything irreversible, so what guards a side effect survives a power cut;
 * and a busy timeout so a second process waits instead of failing at once.
 */
export function openDatabase(file: string, opts: { busyTimeoutMs?: number } = {}): SentinelDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = drizzle(withStatementCache(sqlite), { schema });
  migrate(db, { migrationsFolder });
  const wal = new WalSync(file === ':memory:' ? null : `${path.resolve(file)}-wal`);
  return {
    db,
    sqlite,
    wal,
    close: () => {
      wal.close();
      sqlite.close();
    },
  };
}

/**
 * Drizzle compiles every query afresh, and SQLite's prepare step was 13% of a turn's CPU. Statements are
 * reused by their SQL text (better-sqlite3 runs them synchronously, so a cached one is never in use
 * twice at once); variable-length SQL (multi-row inserts) beyond the cap is simply not cached.
 */
function withStatementCache(sqlite: Database.Database): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = (source: string): Database.Statement => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = sqlite.prepare(source);
      if (cache.size < 500) cache.set(source, stmt);
    }
    // Drizzle switches statements to raw (array) rows when it maps columns itself; start each use plain.
    if (stmt.reader) stmt.raw(false);
    return stmt;
  };
  return new Proxy(sqlite, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
