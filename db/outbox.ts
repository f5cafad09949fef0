import { and, asc, eq, gt, isNotNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Db } from './client';
import { outbox } from './schema';

export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxKind = OutboxRow['kind'];

/** What a settled turn asks a transport to show. */
export type OutboxItem =
  | { kind: 'reply'; key: string; conversationId: string; body: { text: string; approvals: string[] } }
  | { kind: 'approval_cards'; key: string; conversationId: string; body: { approval: string; channelOnly?: boolean } }
  | { kind: 'card_update'; key: string; conversationId: string; body: { approval: string } };

/** Adds items (inside the caller's transaction); an item whose key is already queued is not queued again. */
export function enqueueOutbox(db: Db, items: OutboxItem[], now: number): void {
  for (const item of items) {
    db.insert(outbox)
      .values({ key: item.key, conversationId: item.conversationId, kind: item.kind, body: JSON.stringify(item.body), status: 'pending', nextAttemptAt: now, createdAt: now })
      .onConflictDoNothing()
      .run();
  }
}

/**
 * Claims up to `limit` rows that are due, oldest first: pending ones whose time has come, and ones
 * another deliverer claimed but did not finish before its claim ran out (it died mid-send; the row may
 * or may not have reached Slack, which the deliverer checks before sending again). A claim whose holder
 * `isDead` says is gone (a process on this host that no longer exists) is taken over at once, without
 * waiting for it to run out: a restart right after a crash delivers what the dead process was sending.
 */
export function claimDue(db: Db, owner: string, now: number, claimMs: number, limit: number, isDead: (claimedBy: string) => boolean = () => false): OutboxRow[] {
  const due = db
    .select()
    .from(outbox)
    .where(
      or(
        and(eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, now)),
        and(eq(outbox.status, 'sending'), lte(outbox.nextAttemptAt, now)),
      ),
    )
    .orderBy(asc(outbox.id))
    .limit(limit)
    .all();
  // Rows still under another holder's claim: few (one batch per live deliverer), checked holder by holder.
  const held = db
    .select()
    .from(outbox)
    .where(and(eq(outbox.status, 'sending'), gt(outbox.nextAttemptAt, now), isNotNull(outbox.claimedBy), ne(outbox.claimedBy, owner)))
    .all();
  const verdicts = new Map<string, boolean>();
  const orphaned = held.filter((row) => {
    const holder = row.claimedBy!;
    if (!verdicts.has(holder)) verdicts.set(holder, isDead(holder));
    return verdicts.get(holder)!;
  });
  const candidates = [...due, ...orphaned].sort((x, y) => x.id - y.id).slice(0, limit);
  const claimed: OutboxRow[] = [];
  for (const row of candidates) {
    const r = db
      .update(outbox)
      .set({ status: 'sending', claimedBy: owner, nextAttemptAt: now + claimMs, attempts: sql`${outbox.attempts} + 1` })
      .where(and(eq(outbox.id, row.id), eq(outbox.status, row.status), eq(outbox.nextAttemptAt, row.nextAttemptAt)))
      .run();
    if (r.changes === 1) claimed.push({ ...row, status: 'sending', claimedBy: owner, attempts: row.attempts + 1 });
  }
  return claimed;
}

export function markSent(db: Db, id: number, owner: string, now: number): void {
  db.update(outbox).set({ status: 'sent', sentAt: now, lastError: null }).where(and(eq(outbox.id, id), eq(outbox.claimedBy, owner))).run();
}

/** Gives a claimed row back for another attempt at `at` (or gives up on it: `failed`). */
export function markRetry(db: Db, id: number, owner: string, error: string, at: number, giveUp = false): void {
  db.update(outbox)
    .set({ status: giveUp ? 'failed' : 'pending', nextAttemptAt: at, lastError: error.slice(0, 500) })
    .where(and(eq(outbox.id, id), eq(outbox.claimedBy, owner)))
    .run();
}

export function outboxRows(db: Db): OutboxRow[] {
  return db.select().from(outbox).orderBy(asc(outbox.id)).all();
}
