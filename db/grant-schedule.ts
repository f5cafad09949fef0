import { and, asc, eq, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from './client';
import { grantSchedule } from './schema';
import { transact } from './transact';

export type GrantScheduleRow = typeof grantSchedule.$inferSelect;

/** A grant to put on the schedule: what it is, who asked for it where, and when it ends. */
export interface NewScheduledGrant {
  grantId: number;
  userId: string;
  system: string;
  level: GrantScheduleRow['level'];
  requester: string | null;
  conversationId: string | null;
  grantedAt: number;
  revokeAt: number;
  warnAt: number | null;
}

/**
 * Grants in force that the schedule does not hold yet, with the conversation their execution ran in:
 * every grant the Access backends record in `grants` (embedded, and Okta's own schedule of group
 * memberships), whichever way it was made: a finished execution, one left in doubt by a crash, or a
 * grant whose execution row is gone. Reads only unrevoked grants (their index), and each one's schedule
 * and execution by primary key.
 */
export function unscheduledGrants(db: Db, limit: number): Array<Omit<NewScheduledGrant, 'warnAt'>> {
  return db.$client
    .prepare(
      `SELECT g.id AS grantId, g.user_id AS userId, g.system AS system, g.level AS level,
              e.requester AS requester, e.conversation_id AS conversationId,
              g.granted_at AS grantedAt, g.expires_at AS revokeAt
         FROM grants g
         LEFT JOIN grant_schedule s ON s.grant_id = g.id
         LEFT JOIN executions e ON e.key = g.execution_key
        WHERE g.revoked_at IS NULL AND s.grant_id IS NULL
        ORDER BY g.id
        LIMIT ?`,
    )
    .all(limit) as Array<Omit<NewScheduledGrant, 'warnAt'>>;
}

/** Puts grants on the schedule (a grant already there keeps its row: another process adopted it first). */
export function scheduleGrants(db: Db, rows: NewScheduledGrant[]): number {
  if (!rows.length) return 0;
  return transact(db, () => {
    let added = 0;
    for (const r of rows) added += db.insert(grantSchedule).values({ ...r, nextAttemptAt: r.revokeAt }).onConflictDoNothing().run().changes;
    return added;
  });
}

/** Grants whose one-hour warning is due at `now` (not yet warned, not yet revoked). */
export function dueWarnings(db: Db, now: number, limit: number): GrantScheduleRow[] {
  return db
    .select()
    .from(grantSchedule)
    .where(and(isNull(grantSchedule.warnedAt), lte(grantSchedule.warnAt, now), isNull(grantSchedule.revokedAt)))
    .orderBy(asc(grantSchedule.warnAt))
    .limit(limit)
    .all();
}

/**
 * Marks the warning given (or skipped); true for the one caller that marked it. Call inside the
 * transaction that writes the notice, so the notice is written exactly once whoever else tries.
 */
export function markWarned(db: Db, grantId: number, at: number): boolean {
  return db.update(grantSchedule).set({ warnedAt: at }).where(and(eq(grantSchedule.grantId, grantId), isNull(grantSchedule.warnedAt))).run().changes === 1;
}

/** Due rows looked at per claim: enough to get past the few other processes hold. */
const CLAIM_SCAN = 50;

/**
 * Claims up to `limit` grants due for revocation at `now` (Sentinel's clock) for `owner`, until `claimUntil`
 * (wall clock), in one transaction: rows nobody holds, rows whose claim ran out, and rows `isDead` says
 * belong to a process that no longer exists. Two processes never hold the same row. Rows in `skip` (tried
 * already in this pass) are left for the next.
 */
export function claimDueRevocations(
  db: Db,
  owner: string,
  now: number,
  wallNow: number,
  claimUntil: number,
  limit: number,
  isDead: (claimedBy: string) => boolean = () => false,
  skip: ReadonlySet<number> = new Set(),
): GrantScheduleRow[] {
  return transact(db, () => {
    const due = db
      .select()
      .from(grantSchedule)
      .where(and(isNull(grantSchedule.revokedAt), lte(grantSchedule.nextAttemptAt, now)))
      .orderBy(asc(grantSchedule.nextAttemptAt))
      .limit(Math.max(limit, CLAIM_SCAN) + skip.size)
      .all();
    const claimed: GrantScheduleRow[] = [];
    for (const row of due) {
      if (claimed.length >= limit) break;
      if (skip.has(row.grantId)) continue;
      const free = row.claimedBy === null || (row.claimedUntil ?? 0) <= wallNow || (row.claimedBy !== owner && isDead(row.claimedBy));
      if (!free) continue;
      const r = db
        .update(grantSchedule)
        .set({ claimedBy: owner, claimedUntil: claimUntil })
        .where(and(eq(grantSchedule.grantId, row.grantId), isNull(grantSchedule.revokedAt), sql`${grantSchedule.claimedBy} IS ${row.claimedBy}`))
        .run();
      if (r.changes === 1) claimed.push({ ...row, claimedBy: owner, claimedUntil: claimUntil });
    }
    return claimed;
  });
}

/** Records the revocation; true when `owner` still held the claim (call inside the transaction that audits it). */
export function markRevoked(db: Db, grantId: number, owner: string, at: number): boolean {
  return (
    db
      .update(grantSchedule)
      .set({ revokedAt: at, attempts: sql`${grantSchedule.attempts} + 1`, lastError: null, claimedBy: null, claimedUntil: null })
      .where(and(eq(grantSchedule.grantId, grantId), eq(grantSchedule.claimedBy, owner), isNull(grantSchedule.revokedAt)))
      .run().changes === 1
  );
}

/** Records a failed attempt and when to try again; releases the claim. */
export function markRevokeFailed(db: Db, grantId: number, owner: string, error: string, nextAttemptAt: number): boolean {
  return (
    db
      .update(grantSchedule)
      .set({ attempts: sql`${grantSchedule.attempts} + 1`, lastError: error.slice(0, 500), nextAttemptAt, claimedBy: null, claimedUntil: null })
      .where(and(eq(grantSchedule.grantId, grantId), eq(grantSchedule.claimedBy, owner), isNull(grantSchedule.revokedAt)))
      .run().changes === 1
  );
}

export function scheduledGrant(db: Db, grantId: number): GrantScheduleRow | null {
  return db.select().from(grantSchedule).where(eq(grantSchedule.grantId, grantId)).get() ?? null;
}

export function grantScheduleRows(db: Db): GrantScheduleRow[] {
  return db.select().from(grantSchedule).orderBy(asc(grantSchedule.grantId)).all();
}

/** A user's grants that have ended (revoked, or due to be), the most recent first: "extend my access" after the end. */
export function endedGrants(db: Db, userId: string, now: number, limit: number): Array<{ system: string; level: GrantScheduleRow['level']; grantedAt: number; endsAt: number }> {
  return db.$client
    .prepare(
      `SELECT system, level, granted_at AS grantedAt, COALESCE(MIN(revoked_at, revoke_at), revoke_at) AS endsAt
         FROM grant_schedule WHERE user_id = ? AND (revoked_at IS NOT NULL OR revoke_at <= ?)
        ORDER BY endsAt DESC LIMIT ?`,
    )
    .all(userId, now, limit) as Array<{ system: string; level: GrantScheduleRow['level']; grantedAt: number; endsAt: number }>;
}
