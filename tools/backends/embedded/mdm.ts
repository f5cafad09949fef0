import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { prepared } from '../../../db/prepared';
import { transact } from '../../../db/transact';
import { deviceCommands, devices } from '../../../db/schema';
import type { Backends, Device } from '../types';

const STATUS_AFTER = { lock: 'locked', restart: 'active', wipe: 'wiped' } as const;

const byId = prepared((db) => db.select().from(devices).where(eq(devices.id, sql.placeholder('id'))).prepare());
const byOwner = prepared((db) => db.select().from(devices).where(eq(devices.owner, sql.placeholder('owner'))).orderBy(devices.id).prepare());

export function embeddedMdm(db: Db): Backends['mdm'] {
  // Device ids are uppercase by the directory schema, so the primary key serves any spelling.
  const get = (deviceId: string): Device | null => byId(db).get({ id: deviceId.trim().toUpperCase() }) ?? null;
  return {
    async get(deviceId) {
      return get(deviceId);
    },
    async listByOwner(userId) {
      return byOwner(db).all({ owner: userId });
    },
    async command(deviceId, command, requestedBy, key, now) {
      const device = get(deviceId);
      if (!device) throw new Error(`unknown device ${deviceId}`);
      if (device.status === 'wiped' && command !== 'wipe') throw new Error(`${device.id} has been wiped and no longer checks in`);
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
      return get(device.id)!;
    },
  };
}
