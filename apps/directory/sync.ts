import type { Logger } from 'pino';
import type { Db } from '../../db/client';
import type { DirectoryFile } from '../../tools/backends/embedded/directory-file';
import { syncDirectory, type DirectoryChange, type DirectorySync } from '../../tools/backends/embedded/seed';

/** One line per change, for people: "user alice: role employee → admin", "user bob deactivated". */
export function describeChange(c: DirectoryChange): string {
  const what = `${c.change.split('_')[0]} ${c.id}`;
  if (!('fields' in c)) return `${what} ${c.change.split('_')[1]}`;
  const fields = Object.entries(c.fields).map(([k, f]) => `${k} ${JSON.stringify(f.from)} → ${JSON.stringify(f.to)}`);
  return `${what}: ${fields.join(', ')}`;
}

export function summarize(r: DirectorySync): string {
  if (r.seeded) return `seeded an empty database: ${r.users} users, ${r.devices} devices, ${r.systems} systems, ${r.tickets} tickets`;
  return r.changes.length ? `${r.changes.length} change${r.changes.length === 1 ? '' : 's'}:\n${r.changes.map((c) => `  ${describeChange(c)}`).join('\n')}` : 'no changes';
}

/**
 * Syncs the database with the directory file (see syncDirectory) and logs what changed at info level,
 * on every start and from `npm run directory -- sync`.
 */
export function syncDirectoryFile(db: Db, file: string, data: DirectoryFile, now: number, logger: Logger): DirectorySync {
  const r = syncDirectory(db, data, now, file);
  if (r.seeded) logger.info({ file, users: r.users, devices: r.devices, systems: r.systems, tickets: r.tickets }, 'directory seeded from file');
  else if (r.changes.length) logger.info({ file, changes: r.changes.map(describeChange) }, 'directory synced from file');
  return r;
}
