import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, lt, lte, ne, sql } from 'drizzle-orm';
import type { Db } from './client';
import { prepared } from './prepared';
import { outbox } from './schema';
import { transact } from './transact';

export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxKind = OutboxRow['kind'];

/** What a settled turn asks a transport to show. */
export type OutboxItem =
  /** `turn`: the conversation's turn it answers (absent on rows written before it was recorded). */
  | { kind: 'reply'; key: string; conversationId: string; body: { text: string; approvals: string[]; turn?: number } }
  | { kind: 'approval_cards'; key: string; conversationId: string; body: { approval: string; channelOnly?: boolean } }
  | { kind: 'card_update'; key: string; conversationId: string; body: { approval: string } }
  /** For the IT admins, not a conversation (`conversationId` is ADMIN_NOTICES): a budget reached. `requester` is never told. */
  | { kind: 'admin_notice'; key: string; conversationId: string; body: { text: string; requester: string } }
  /** Draw `user`'s Home tab again (a directory id, or homesOfApprovers(a request)); queued by enqueueHomeRefresh only. */
  | { kind: 'home_refresh'; key: string; conversationId: string; body: { user: string } };

/** The outbox "conversation" of notices to the admins: their own delivery lane, in order. */
export const ADMIN_NOTICES = 'admins';

/**
 * A Home refresh for everyone who may approve this request (its "Waiting for you" changed), resolved by
 * the transport against the directory as it is when drawing: a directory cannot be read inside the
 * transaction that queues it.
 */
export const homesOfApprovers = (approvalId: string) => `approvers:${approvalId}`;
/** The request whose approvers a Home refresh is for, or null when it is for one person. */
export const approvalOfHomeRefresh = (user: string): string | null => (user.startsWith('approvers:') ? user.slice('approvers:'.length) : null);
/** The outbox "conversation" of one person's Home refreshes: `home:<directory id>`, its own lane. */
export const homeLane = (user: string) => `home:${user}`;

const p = sql.placeholder;

// Every statement here runs for every reply, some several times: built and prepared once per database
// (drizzle building the SQL cost more than SQLite running it).
const insertItem = prepared((db) =>
  db
    .insert(outbox)
    .values({ key: p('key'), conversationId: p('conversationId'), kind: p('kind'), body: p('body'), status: 'pending', nextAttemptAt: p('now'), createdAt: p('now') })
    .onConflictDoNothing()
    .prepare(),
);

// Due rows, oldest first. Only columns of the (status, next_attempt_at) index are read, so the rows a
// backlog holds are never fetched just to be sorted; the few claimed are read afterwards by id.
const dueRows = prepared((db) =>
  db
    .select({ id: outbox.id, status: outbox.status, nextAttemptAt: outbox.nextAttemptAt })
    .from(outbox)
    .where(and(inArray(outbox.status, ['pending', 'sending']), lte(outbox.nextAttemptAt, p('now'))))
    .orderBy(asc(outbox.id))
    .limit(p('limit'))
    .prepare(),
);

// Rows still under another holder's claim: few (one batch per live deliverer).
const heldRows = prepared((db) =>
  db
    .select({ id: outbox.id, status: outbox.status, nextAttemptAt: outbox.nextAttemptAt, claimedBy: outbox.claimedBy })
    .from(outbox)
    .where(and(eq(outbox.status, 'sending'), gt(outbox.nextAttemptAt, p('now')), isNotNull(outbox.claimedBy), ne(outbox.claimedBy, p('owner'))))
    .prepare(),
);

const claimRow = prepared((db) =>
  db
    .update(outbox)
    .set({ status: 'sending', claimedBy: sql`${p('owner')}`, nextAttemptAt: sql`${p('until')}`, attempts: sql`${outbox.attempts} + 1` })
    .where(and(eq(outbox.id, p('id')), eq(outbox.status, p('status')), eq(outbox.nextAttemptAt, p('at'))))
    .prepare(),
);

const rowById = prepared((db) => db.select().from(outbox).where(eq(outbox.id, p('id'))).prepare());

const sentRow = prepared((db) =>
  db
    .update(outbox)
    .set({ status: 'sent', sentAt: sql`${p('now')}`, lastError: null })
    .where(and(eq(outbox.id, p('id')), eq(outbox.claimedBy, p('owner'))))
    .prepare(),
);

/** Adds items (inside the caller's transaction); an item whose key is already queued is not queued again. Returns how many were added. */
export function enqueueOutbox(db: Db, items: OutboxItem[], now: number): number {
  let added = 0;
  for (const item of items) added += insertItem(db).run({ key: item.key, conversationId: item.conversationId, kind: item.kind, body: JSON.stringify(item.body), now }).changes;
  return added;
}

// A refresh still waiting to be sent for this person: a later change is shown by that one.
const pendingInLane = prepared((db) =>
  db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), eq(outbox.conversationId, p('conversationId'))))
    .limit(1)
    .prepare(),
);

/**
 * Something these people see on their Home tab changed (a request made, decided or expired, a grant
 * given or ended, a ticket opened): inside the transaction that changed it, one `home_refresh` per person
 * is queued, unless one is already waiting to be sent (coalesced; one claimed and being drawn may have
 * read too early, so it does not count). `users` are directory ids, or homesOfApprovers(a request).
 */
export function enqueueHomeRefresh(db: Db, users: Iterable<string | null | undefined>, now: number): void {
  for (const user of new Set(users)) {
    if (!user) continue;
    const conversationId = homeLane(user);
    if (pendingInLane(db).get({ conversationId })) continue;
    insertItem(db).run({ key: `${conversationId}:${now}:${randomUUID()}`, conversationId, kind: 'home_refresh', body: JSON.stringify({ user }), now });
  }
}

/**
 * Claims up to `limit` rows that are due, oldest first: pending ones whose time has come, and ones
 * another deliverer claimed but did not finish before its claim ran out (it died mid-send; the row may
 * or may not have reached Slack, which the deliverer checks before sending again). A claim whose holder
 * `isDead` says is gone (a process on this host that no longer exists) is taken over at once, without
 * waiting for it to run out: a restart right after a crash delivers what the dead process was sending.
 * One transaction (one commit) for the whole batch.
 */
export function claimDue(db: Db, owner: string, now: number, claimMs: number, limit: number, isDead: (claimedBy: string) => boolean = () => false): OutboxRow[] {
  return settleAndClaim(db, owner, now, [], claimMs, limit, isDead);
}

/**
 * Marks `sent` rows (posted by `owner`) sent and claims what is due, in one transaction: a deliverer
 * under load commits once per round instead of once per row sent and once per claim.
 */
export function settleAndClaim(db: Db, owner: string, now: number, sent: number[], claimMs: number, limit: number, isDead: (claimedBy: string) => boolean = () => false): OutboxRow[] {
  if (!sent.length && limit <= 0) return [];
  return transact(db, () => {
    for (const id of sent) sentRow(db).run({ id, owner, now });
    if (limit <= 0) return [];
    const due = dueRows(db).all({ now, limit });
    const verdicts = new Map<string, boolean>();
    const orphaned = heldRows(db)
      .all({ now, owner })
      .filter((row) => {
        const holder = row.claimedBy!;
        if (!verdicts.has(holder)) verdicts.set(holder, isDead(holder));
        return verdicts.get(holder)!;
      });
    const candidates = orphaned.length ? [...due, ...orphaned].sort((x, y) => x.id - y.id).slice(0, limit) : due;
    const claimed: OutboxRow[] = [];
    for (const row of candidates) {
      const r = claimRow(db).run({ owner, until: now + claimMs, id: row.id, status: row.status, at: row.nextAttemptAt });
      if (r.changes === 1) claimed.push(rowById(db).get({ id: row.id })!);
    }
    return claimed;
  });
}

export function markSent(db: Db, id: number, owner: string, now: number): void {
  sentRow(db).run({ id, owner, now });
}

/** Gives a claimed row back for another attempt at `at` (or gives up on it: `failed`). */
export function markRetry(db: Db, id: number, owner: string, error: string, at: number, giveUp = false): void {
  db.update(outbox)
    .set({ status: giveUp ? 'failed' : 'pending', nextAttemptAt: at, lastError: error.slice(0, 500) })
    .where(and(eq(outbox.id, id), eq(outbox.claimedBy, owner)))
    .run();
}

// The newest key in [from, to): keys are unique, so this reads one entry of their index.
const lastKeyIn = prepared((db) =>
  db
    .select({ key: outbox.key })
    .from(outbox)
    .where(and(gte(outbox.key, p('from')), lt(outbox.key, p('to'))))
    .orderBy(desc(outbox.key))
    .limit(1)
    .prepare(),
);

/**
 * The greatest key that starts with `prefix` (for keys ending in a fixed-width number, the newest), or
 * null. Read in the caller's transaction, it tells whether an item was already queued by any process.
 */
export function lastKeyWithPrefix(db: Db, prefix: string): string | null {
  return lastKeyIn(db).get({ from: prefix, to: `${prefix}\uffff` })?.key ?? null;
}

export function outboxRows(db: Db): OutboxRow[] {
  return db.select().from(outbox).orderBy(asc(outbox.id)).all();
}
