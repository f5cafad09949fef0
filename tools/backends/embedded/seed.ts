import { eq, sql } from 'drizzle-orm';
import { appendAudit, type AuditKind } from '../../../db/audit';
import type { Db } from '../../../db/client';
import { transact } from '../../../db/transact';
import { devices, directory, systems, tickets } from '../../../db/schema';
import type { DirectoryFile } from './directory-file';

/** Loads a directory into an empty database; a database that already has users is left alone. */
export function seedIfEmpty(db: Db, data: DirectoryFile, now: number): boolean {
  return transact(db, () => seedEmpty(db, data, now));
}

function seedEmpty(db: Db, data: DirectoryFile, now: number): boolean {
  if (db.select({ id: directory.id }).from(directory).limit(1).get()) return false;
  // Row by row: one multi-row insert of a large directory exceeds SQLite's limit on bound variables.
  for (const u of data.users) db.insert(directory).values(userRow(u)).run();
  for (const { lastCheckinHoursAgo, ...d } of data.devices) {
    db.insert(devices).values({ ...d, lastCheckinAt: Math.round(now - lastCheckinHoursAgo * 3_600_000), status: 'active' }).run();
  }
  for (const sys of data.systems) db.insert(systems).values(sys).run();
  for (const t of data.tickets) db.insert(tickets).values({ ...t, createdAt: now, updatedAt: now }).run();
  // Ticket numbers look like a real helpdesk's (IT-1001 onwards) even when no tickets are seeded.
  if (!data.tickets.length) db.run(sql`INSERT INTO sqlite_sequence (name, seq) VALUES ('tickets', 1000)`);
  return true;
}

/** One field that changed: what the database had, and what the file says. */
export type FieldChange = { from: unknown; to: unknown };

export type DirectoryChange =
  | { change: 'user_added' | 'user_deactivated' | 'device_added' | 'system_added'; id: string }
  | { change: 'user_updated' | 'device_updated' | 'system_updated'; id: string; fields: Record<string, FieldChange> };

export type DirectorySync =
  | { seeded: true; users: number; devices: number; systems: number; tickets: number }
  | { seeded: false; changes: DirectoryChange[] };

// AuditKind does not list this kind yet; the audit log itself accepts any kind.
const DIRECTORY_SYNCED: AuditKind = 'directory_synced';

/** The fields of `now` that differ from `was`, among `keys`. */
function diff<T extends object>(was: T, now: T, keys: Array<keyof T & string>): Record<string, FieldChange> | null {
  const fields: Record<string, FieldChange> = {};
  for (const k of keys) if (was[k] !== now[k]) fields[k] = { from: was[k], to: now[k] };
  return Object.keys(fields).length ? fields : null;
}

/**
 * Makes the database agree with a directory file that is the source of truth: users are added, updated
 * (email, name, role, active) and, when missing from the file, deactivated, never deleted (approvals,
 * grants and the audit log name them). Devices and systems are added and updated (a device's owner and
 * model, a system's description); ones missing from the file are left, as their history still refers to
 * them. What the MDM reports about a device (disk, battery, check-in, status) and tickets are the
 * backends' own state and are only seeded into an empty database.
 *
 * One transaction with the audit entry listing the changes, so the log and the directory never disagree;
 * nothing changed means nothing is written.
 */
export function syncDirectory(db: Db, data: DirectoryFile, now: number, source: string): DirectorySync {
  return transact(db, () => {
    if (seedEmpty(db, data, now)) {
      const result = { seeded: true as const, users: data.users.length, devices: data.devices.length, systems: data.systems.length, tickets: data.tickets.length };
      appendAudit(db, { kind: DIRECTORY_SYNCED, data: { source, ...result } }, now);
      return result;
    }
    const changes = [...syncUsers(db, data), ...syncDevices(db, data, now), ...syncSystems(db, data)];
    if (changes.length) appendAudit(db, { kind: DIRECTORY_SYNCED, data: { source, changes } }, now);
    return { seeded: false, changes };
  });
}

/** A directory file's user as the table stores it (groups as a sorted JSON array, so equal sets compare equal). */
const userRow = (u: DirectoryFile['users'][number]) => ({ ...u, groups: JSON.stringify([...new Set(u.groups)].sort()) });

function syncUsers(db: Db, data: DirectoryFile): DirectoryChange[] {
  const changes: DirectoryChange[] = [];
  const existing = new Map(db.select().from(directory).all().map((u) => [u.id, u]));
  const inFile = new Set(data.users.map((u) => u.id));
  const updates: Array<{ id: string; fields: Record<string, FieldChange> }> = [];
  for (const u of data.users) {
    const was = existing.get(u.id);
    if (!was) continue;
    const fields = diff(was, userRow(u), ['email', 'name', 'role', 'active', 'groups']);
    if (fields) updates.push({ id: u.id, fields });
  }
  // Emails are unique: two people swapping addresses, or a newcomer taking a departed person's, would
  // collide halfway. Every row giving up its address first holds a placeholder that cannot clash.
  const claimed = new Set(data.users.map((u) => u.email.toLowerCase()));
  const departed = [...existing.values()].filter((u) => !inFile.has(u.id));
  for (const u of updates) if (u.fields.email) db.update(directory).set({ email: `\u0000moving:${u.id}` }).where(eq(directory.id, u.id)).run();
  for (const u of departed) {
    const fields: Record<string, FieldChange> = {};
    if (u.active) fields.active = { from: true, to: false };
    // A departed person's address given to someone else in the file is released (the change records it).
    if (claimed.has(u.email.toLowerCase())) fields.email = { from: u.email, to: `${u.id}@departed.invalid` };
    if (!Object.keys(fields).length) continue;
    db.update(directory)
      .set({ active: false, ...(fields.email ? { email: fields.email.to as string } : {}) })
      .where(eq(directory.id, u.id))
      .run();
    changes.push(fields.email ? { change: 'user_updated', id: u.id, fields } : { change: 'user_deactivated', id: u.id });
  }
  for (const { id, fields } of updates) {
    const set = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.to]));
    db.update(directory).set(set).where(eq(directory.id, id)).run();
    changes.push({ change: 'user_updated', id, fields });
  }
  for (const u of data.users) {
    if (existing.has(u.id)) continue;
    db.insert(directory).values(userRow(u)).run();
    changes.push({ change: 'user_added', id: u.id });
  }
  return changes;
}

function syncDevices(db: Db, data: DirectoryFile, now: number): DirectoryChange[] {
  const changes: DirectoryChange[] = [];
  const existing = new Map(db.select({ id: devices.id, owner: devices.owner, model: devices.model }).from(devices).all().map((d) => [d.id, d]));
  for (const { lastCheckinHoursAgo, ...d } of data.devices) {
    const was = existing.get(d.id);
    if (!was) {
      db.insert(devices).values({ ...d, lastCheckinAt: Math.round(now - lastCheckinHoursAgo * 3_600_000), status: 'active' }).run();
      changes.push({ change: 'device_added', id: d.id });
      continue;
    }
    const fields = diff(was, { id: d.id, owner: d.owner, model: d.model }, ['owner', 'model']);
    if (!fields) continue;
    db.update(devices).set({ owner: d.owner, model: d.model }).where(eq(devices.id, d.id)).run();
    changes.push({ change: 'device_updated', id: d.id, fields });
  }
  return changes;
}

function syncSystems(db: Db, data: DirectoryFile): DirectoryChange[] {
  const changes: DirectoryChange[] = [];
  const existing = new Map(db.select().from(systems).all().map((s) => [s.id, s]));
  for (const s of data.systems) {
    const was = existing.get(s.id);
    if (!was) {
      db.insert(systems).values(s).run();
      changes.push({ change: 'system_added', id: s.id });
      continue;
    }
    const fields = diff(was, s, ['description']);
    if (!fields) continue;
    db.update(systems).set({ description: s.description }).where(eq(systems.id, s.id)).run();
    changes.push({ change: 'system_updated', id: s.id, fields });
  }
  return changes;
}
