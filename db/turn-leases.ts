import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { prepared } from './prepared';
import { turnLeases } from './schema';

const p = sql.placeholder;

// Takes the lease when nobody holds it, when its holder's lease ran out, or when we hold it already.
const take = prepared((db) =>
  db
    .insert(turnLeases)
    .values({ conversationId: p('id'), owner: p('owner'), expiresAt: p('until') })
    .onConflictDoUpdate({
      target: turnLeases.conversationId,
      set: { owner: sql`excluded.owner`, expiresAt: sql`excluded.expires_at` },
      setWhere: sql`${turnLeases.expiresAt} <= ${p('now')} OR ${turnLeases.owner} = excluded.owner`,
    })
    .prepare(),
);

const renew = prepared((db) =>
  db
    .update(turnLeases)
    .set({ expiresAt: sql`${p('until')}` })
    .where(and(eq(turnLeases.conversationId, p('id')), eq(turnLeases.owner, p('owner'))))
    .prepare(),
);

const release = prepared((db) =>
  db.delete(turnLeases).where(and(eq(turnLeases.conversationId, p('id')), eq(turnLeases.owner, p('owner')))).prepare(),
);

/** True when `owner` now holds the conversation's turn until `until`. */
export function acquireLease(db: Db, id: string, owner: string, now: number, until: number): boolean {
  return take(db).run({ id, owner, now, until }).changes === 1;
}

/** Extends a lease `owner` still holds; false when it was lost (expired and taken by another process). */
export function renewLease(db: Db, id: string, owner: string, until: number): boolean {
  return renew(db).run({ id, owner, until }).changes === 1;
}

export function releaseLease(db: Db, id: string, owner: string): void {
  release(db).run({ id, owner });
}

/** Who holds the conversation's lease, if anyone does and it has not expired. */
export function leaseHolder(db: Db, id: string, now: number): string | null {
  const row = db.select().from(turnLeases).where(eq(turnLeases.conversationId, id)).get();
  return row && row.expiresAt > now ? row.owner : null;
}

/** Takes a lease over from `from`, known to be dead; false when it changed hands meanwhile. */
export function takeOverLease(db: Db, id: string, from: string, owner: string, until: number): boolean {
  return db.update(turnLeases).set({ owner, expiresAt: until }).where(and(eq(turnLeases.conversationId, id), eq(turnLeases.owner, from))).run().changes === 1;
}
