import { ConfigError, loadConfig, loadDotEnv } from '../../config';
import { openDatabase } from '../../db/client';
import { loadDirectoryFile } from '../../tools/backends/embedded/directory-file';
import { createLogger } from '../logger';
import { summarize, syncDirectoryFile } from './sync';

const USAGE = `Usage:
  npm run directory -- sync   make the database agree with SENTINEL_DIRECTORY: users added, updated
                              and (when missing from the file) deactivated; devices and systems added
                              and updated. Prints what changed; every start does the same.

Reads SENTINEL_DIRECTORY and SENTINEL_DB (default data/sentinel.db).`;

function main(argv: string[]): number {
  if (argv.length !== 1 || argv[0] !== 'sync') {
    process.stderr.write(`directory: ${argv[0] ? `unknown command ${argv.join(' ')}` : 'say sync'}\n\n${USAGE}\n`);
    return 2;
  }
  let config;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`directory: ${err.message}\n`);
    return 2;
  }
  const file = config.directoryFile;
  if (!file) {
    process.stderr.write('directory: SENTINEL_DIRECTORY is not set; the demo directory is seeded once and has nothing to sync from\n');
    return 2;
  }
  // The file is checked before the database is opened: a bad file changes nothing.
  const loaded = loadDirectoryFile(file);
  if (!loaded.ok) {
    process.stderr.write(`directory: ${loaded.problem}\n`);
    return 2;
  }
  let database;
  try {
    database = openDatabase(config.dbPath, { busyTimeoutMs: config.dbBusyMs });
  } catch (err) {
    // A path that can never hold the database is reported as configuration; anything else is a failure.
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`directory: ${err.message}\n`);
    return 2;
  }
  try {
    const r = syncDirectoryFile(database.db, file, loaded.data, Date.now(), createLogger(config.logLevel ?? 'warn'));
    process.stdout.write(`directory ${file} → ${config.dbPath}: ${summarize(r)}\n`);
    return 0;
  } finally {
    database.close();
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  // The database itself failed (locked past the busy timeout, unreadable): not a usage problem.
  process.stderr.write(`directory: ${(err as Error)?.message ?? err}\n`);
  process.exitCode = 1;
}
