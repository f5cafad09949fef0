import { eq, or, sql } from 'drizzle-orm';
import { canonicalEmail } from '../../../policies/email';
import type { Db } from '../../../db/client';
import { prepared } from '../../../db/prepared';
import { transact } from '../../../db/transact';
import { deviceCommands, devices, directory } from '../../../db/schema';
import { fail, ok, type Device, type Devices } from '../types';

const STATUS_AFTER = { lock: 'locked', restart: 'active', wipe: 'wiped' } as const;

const columns = {
  id: devices.id,
  owner: devices.owner,
  ownerEmail: directory.email,
  model: devices.model,
  osVersion: devices.osVersion,
  diskFreeGb: devices.diskFreeGb,
  diskTotalGb: devices.diskTotalGb,
  batteryHealthPct: devices.batteryHealthPct,
  lastCheckinAt: devices.lastCheckinAt,
  encrypted: devices.encrypted,
  firewall: devices.firewall,
  status: devices.status,
};
const byId = prepared((db) =>
  db.select(columns).from(devices).leftJoin(directory, eq(directory.id, devices.owner)).where(eq(devices.id, sql.placeholder('id'))).prepare(),
);
// By the owner's id, or by their email (another directory's people, e.g. Okta's, match the demo devices by email).
const byOwner = prepared((db) =>
  db
    .select(columns)
    .from(devices)
    .leftJoin(directory, eq(directory.id, devices.owner))
    .where(or(eq(devices.owner, sql.placeholder('owner')), eq(sql`lower(${directory.email})`, sql.placeholder('email'))))
    .orderBy(devices.id)
    .prepare(),
);

type Row = ReturnType<ReturnType<typeof byId>['all']>[number];

/** The embedded MDM's verdict: compliant when encrypted, firewalled and not locked or wiped. */
const toDevice = (r: Row): Device => ({ ...r, compliant: r.encrypted && r.firewall && r.status === 'active' });

export function embeddedMdm(db: Db): Devices {
  // Device ids are uppercase by the directory schema, so the primary key serves any spelling.
  const get = (deviceId: string): Device | null => {
    const row = byId(db).get({ id: deviceId.trim().toUpperCase() });
    return row ? toDevice(row) : null;
  };
  return {
    async get(deviceId) {
      return ok(get(deviceId));
    },
    async listByOwner(owner) {
      // An email that is not a trusted address matches nothing ('' never equals a stored email).
      const email = owner.email ? canonicalEmail(owner.email) ?? '' : '';
      return ok(byOwner(db).all({ owner: owner.id, email }).map(toDevice));
    },
    async command(deviceId, command, requestedBy, key, now) {
      const device = get(deviceId);
      if (!device) return fail('embedded', 'not_found', `There is no device "${deviceId}" in the inventory.`);
      // A repeat of a command that already ran (same key) reports it again instead of refusing.
      const done = db.select().from(deviceCommands).where(eq(deviceCommands.executionKey, key)).get();
      if (!done && device.status === 'wiped' && command !== 'wipe') return fail('embedded', 'conflict', `${device.id} has been wiped and no longer accepts commands.`);
      transact(db, () => {
        const inserted = db
          .insert(deviceCommands)
          .values({ deviceId: device.id, command, requestedBy, executionKey: key, createdAt: now })
          .onConflictDoNothing()
          .run();
        // A repeated key changes nothing: the first command already took effect.
        if (inserted.changes === 1) {
          db.update(devices).set({ status: STATUS_AFTER[command], lastCheckinAt: now }).where(eq(devices.id, device.id)).run();
        }
      });
      return ok({ deviceId: device.id, command, state: 'done', device: get(device.id) });
    },
  };
}
