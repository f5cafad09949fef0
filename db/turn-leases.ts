import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { prepared } from './prepared';
import { turnLeases } from './schema';

const p = sql.placeholder;

// Takes the lease when nobody holds it, when its holder's lease ran out, or when we hold it already.
// Whose turn it was and a Stop asked for it are kept: a lease taken after its holder died (expired, or
// on another host) finishes that turn first, and the Stop still holds; a new turn clears them (setLeaseRequester).
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

const holding = () => and(eq(turnLeases.conversationId, p('id')), eq(turnLeases.owner, p('owner')));

const setRequester = prepared((db) => db.update(turnLeases).set({ requester: sql`${p('requester')}` }).where(holding()).prepare());
const newTurn = prepared((db) => db.update(turnLeases).set({ requester: sql`${p('requester')}`, stopRequestedBy: sql`NULL` }).where(holding()).prepare());

// Only the requester stops, and only a turn someone runs now (an unexpired lease): a Stop with nothing
// running leaves no trace for a later turn to trip over.
const askStop = prepared((db) =>
  db
    .update(turnLeases)
    .set({ stopRequestedBy: sql`${p('by')}` })
    .where(and(eq(turnLeases.conversationId, p('id')), sql`${turnLeases.expiresAt} > ${p('now')}`, eq(turnLeases.requester, p('by'))))
    .prepare(),
);

const readLease = prepared((db) => db.select().from(turnLeases).where(eq(turnLeases.conversationId, p('id'))).prepare());

const readStop = prepared((db) => db.select({ by: turnLeases.stopRequestedBy }).from(turnLeases).where(holding()).prepare());

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

/**
 * Records whose turn `owner` runs under its lease. With `newTurn`, a Stop asked for an earlier turn in the
 * same lease is cleared; without it (a turn taken over from a dead process, finished now) it is kept.
 */
export function setLeaseRequester(db: Db, id: string, owner: string, requester: string | null, opts: { newTurn: boolean }): boolean {
  return (opts.newTurn ? newTurn : setRequester)(db).run({ id, owner, requester }).changes === 1;
}

/**
 * A Stop asked by `by` for the conversation's turn, wherever it runs: `stopped` when it is recorded (the
 * owner notices it), `not_yours` when someone else's turn runs, `not_running` when none does.
 */
export function requestStop(db: Db, id: string, by: string, now: number): 'stopped' | 'not_yours' | 'not_running' {
  if (askStop(db).run({ id, by, now }).changes === 1) return 'stopped';
  const row = readLease(db).get({ id });
  return row && row.expiresAt > now && row.requester !== null ? 'not_yours' : 'not_running';
}

/** Who asked to stop the turn `owner` runs under its lease, if anyone did. */
export function stopRequested(db: Db, id: string, owner: string): string | null {
  return readStop(db).get({ id, owner })?.by ?? null;
}
