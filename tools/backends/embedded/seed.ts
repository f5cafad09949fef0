import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { transact } from '../../../db/transact';
import { devices, directory, systems, tickets } from '../../../db/schema';
import type { DirectoryFile } from './directory-file';

/** Loads a directory into an empty database; a database that already has users is left alone. */
export function seedIfEmpty(db: Db, data: DirectoryFile, now: number): boolean {
  return transact(db, () => {
    if (db.select({ id: directory.id }).from(directory).limit(1).get()) return false;
    db.insert(directory).values(data.users).run();
    for (const { lastCheckinHoursAgo, ...d } of data.devices) {
      db.insert(devices).values({ ...d, lastCheckinAt: Math.round(now - lastCheckinHoursAgo * 3_600_000), status: 'active' }).run();
    }
    if (data.systems.length) db.insert(systems).values(data.systems).run();
    for (const t of data.tickets) db.insert(tickets).values({ ...t, createdAt: now, updatedAt: now }).run();
    // Ticket numbers look like a real helpdesk's (IT-1001 onwards) even when no tickets are seeded.
    if (!data.tickets.length) db.run(sql`INSERT INTO sqlite_sequence (name, seq) VALUES ('tickets', 1000)`);
    return true;
  });
}
