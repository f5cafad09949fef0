import { and, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { prepared } from '../../../db/prepared';
import { grants, systems } from '../../../db/schema';
import { ok, type Access } from '../types';

const systemIds = prepared((db) => db.select({ id: systems.id }).from(systems).orderBy(systems.id).prepare());

const insertGrant = prepared((db) =>
  db
    .insert(grants)
    .values({
      userId: sql.placeholder('userId'),
      system: sql.placeholder('system'),
      level: sql.placeholder('level'),
      reason: sql.placeholder('reason'),
      grantedAt: sql.placeholder('grantedAt'),
      expiresAt: sql.placeholder('expiresAt'),
      executionKey: sql.placeholder('key'),
    })
    .onConflictDoNothing()
    .prepare(),
);
const grantByKey = prepared((db) => db.select().from(grants).where(eq(grants.executionKey, sql.placeholder('key'))).prepare());

export function embeddedAccess(db: Db): Access {
  return {
    async hasSystem(system) {
      // System ids are lowercase by the directory schema, so the primary key serves any spelling.
      return ok(!!db.select().from(systems).where(eq(systems.id, system.trim().toLowerCase())).get());
    },
    async listSystems() {
      return ok(systemIds(db).all().map((s) => s.id));
    },
    async grant(g, key) {
      insertGrant(db).run({ ...g, system: g.system.toLowerCase(), key });
      const row = grantByKey(db).get({ key })!;
      const { executionKey: _key, ...grant } = row;
      return ok(grant);
    },
    async activeGrants(userId, now) {
      return ok(
        db
        .select()
        .from(grants)
        .where(and(eq(grants.userId, userId), isNull(grants.revokedAt), gt(grants.expiresAt, now)))
        .orderBy(grants.expiresAt)
        .all()
        .map(({ executionKey: _key, ...grant }) => grant),
      );
    },
    async revokeExpired(now) {
      const expired = db
        .update(grants)
        .set({ revokedAt: now })
        .where(and(isNull(grants.revokedAt), lte(grants.expiresAt, now)))
        .returning()
        .all();
      return ok({ revoked: expired.map(({ executionKey: _key, ...grant }) => grant), failed: 0 });
    },
    async revoke(grantId, now) {
      const row =
        db.update(grants).set({ revokedAt: now }).where(and(eq(grants.id, grantId), isNull(grants.revokedAt))).returning().get() ??
        db.select().from(grants).where(eq(grants.id, grantId)).get();
      if (!row) return ok(null);
      const { executionKey: _key, ...grant } = row;
      return ok(grant);
    },
  };
}
