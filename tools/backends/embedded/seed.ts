import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { transact } from '../../../db/transact';
import { devices, directory, systems, tickets } from '../../../db/schema';
import type { DirectoryFile } from './directory-file';

/** Loads a directory into an empty database; a database that already has users is left alone. */
export function seedIfEmpty(db: Db, data: DirectoryFile, now: number): boolean {
  return transact(db, () => {
    if (db.select({ id: directory.id }).from(directory).limit(1).get()) return false;
    // Row by row: one multi-row insert of a large directory exceeds SQLite's limit on bound variables.
    for (const u of data.users) db.insert(directory).values(u).run();
    for (const { lastCheckinHoursAgo, ...d } of data.devices) {
      db.insert(devices).values({ ...d, lastCheckinAt: Math.round(now - lastCheckinHoursAgo * 3_600_000), status: 'active' }).run();
    }
    for (const sys of data.systems) db.insert(systems).values(sys).run();
    for (const t of data.tickets) db.insert(tickets).values({ ...t, createdAt: now, updatedAt: now }).run();
    // Ticket numbers look like a real helpdesk's (IT-1001 onwards) even when no tickets are seeded.
    if (!data.tickets.length) db.run(sql`INSERT INTO sqlite_sequence (name, seq) VALUES ('tickets', 1000)`);
    return true;
  });
}
