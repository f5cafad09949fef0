import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema';
import { ConfigError } from '../config';
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
  const sqlite = openFile(file, opts.busyTimeoutMs ?? 5000);
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
 * A path that can never hold the database (a directory, a parent that is a file or cannot be created, no
 * permission, a file that is not SQLite) is a configuration mistake: reported as one, naming SENTINEL_DB
 * (every entry point takes the path from it), so the program exits 2 with a message instead of a stack.
 * Anything else (another process holding a lock, a full disk) stays a failure of its own.
 */
export class DatabaseOpenError extends ConfigError {
  constructor(file: string, reason: string) {
    const shown = path.isAbsolute(file) ? `"${file}"` : `"${file}" (${path.resolve(file)})`;
    super(
      `Invalid configuration:\n  SENTINEL_DB: cannot open ${shown} as the SQLite database: ${reason}.\n` +
        '  Point SENTINEL_DB at a file in a writable directory (the file is created when missing), or unset it for data/sentinel.db.',
    );
  }
}

const SQLITE_CANNOT_OPEN = /^SQLITE_(CANTOPEN|NOTADB|READONLY|PERM|AUTH)/;

function openFile(file: string, busyTimeoutMs: number): Database.Database {
  let sqlite: Database.Database | undefined;
  try {
    if (file !== ':memory:') makeDirectory(path.dirname(path.resolve(file)));
    // Resolved: better-sqlite3 checks the literal dirname, so `missing/../x.db` would fail for no reason.
    sqlite = new Database(file === ':memory:' ? file : path.resolve(file));
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // The first statements that read the file: where "not a database" and "read-only" show up.
    sqlite.pragma('journal_mode = WAL');
    return sqlite;
  } catch (err) {
    sqlite?.close();
    const code = (err as { code?: unknown }).code;
    const fsError = typeof code === 'string' && /^E[A-Z]+$/.test(code);
    if (!fsError && !(typeof code === 'string' && SQLITE_CANNOT_OPEN.test(code))) throw err;
    throw new DatabaseOpenError(file, why(file, err as Error & { code: string }));
  }
}

/** The reason in words: SQLite says only "unable to open database file" for most of these. */
function why(file: string, err: Error & { code: string }): string {
  const stat = (p: string) => {
    try {
      return fs.statSync(p);
    } catch {
      return undefined;
    }
  };
  if (stat(file)?.isDirectory()) return 'it is a directory';
  if (err.code === 'SQLITE_NOTADB') return 'the file exists but is not a SQLite database';
  if (err.code.startsWith('SQLITE_READONLY')) return 'the file is read-only';
  if (err.code.startsWith('SQLITE_CANTOPEN')) return `SQLite cannot create or open a file there (${err.message})`;
  if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS') return `no permission to create ${(err as { path?: string }).path ?? 'its directory'} (${err.code})`;
  return err.message;
}

/**
 * mkdir -p, by hand: Node's recursive mkdirSync spins forever under /proc, and its EEXIST for a parent
 * that is a file names the wrong problem.
 */
function makeDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EEXIST') {
      if (fs.statSync(dir).isDirectory()) return;
      throw Object.assign(new Error(`${dir} is a file, not a directory`), { code: 'ENOTDIR' });
    }
    if (code !== 'ENOENT' || path.dirname(dir) === dir) throw err;
    makeDirectory(path.dirname(dir));
    fs.mkdirSync(dir); // ENOENT again: the parent exists but cannot hold directories (e.g. /proc)
  }
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
