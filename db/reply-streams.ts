import { and, eq, lt, lte, sql } from 'drizzle-orm';
import type { Db } from './client';
import { prepared } from './prepared';
import { replyStreams } from './schema';

export type ReplyStream = typeof replyStreams.$inferSelect;

/**
 * The ts of a stream asked for whose message Slack has not named yet. Recorded before the request goes
 * out, so a process that dies while Slack creates the message still leaves a trace the deliverer looks
 * for in the thread (else the reply would be posted under a message nobody would ever finish).
 */
export const TS_UNKNOWN = '';
/** Records older than this can have no reply left to come (the outbox gives up after a day). */
const KEPT_MS = 7 * 86_400_000;

const p = sql.placeholder;

const prune = prepared((db) => db.delete(replyStreams).where(lt(replyStreams.at, p('before'))).prepare());
const reserve = prepared((db) =>
  db
    .insert(replyStreams)
    .values({ conversationId: p('id'), turn: p('turn'), channel: p('channel'), ts: TS_UNKNOWN, at: p('at') })
    .onConflictDoNothing()
    .prepare(),
);
const setTs = prepared((db) =>
  db
    .update(replyStreams)
    .set({ ts: sql`${p('ts')}` })
    .where(and(eq(replyStreams.conversationId, p('id')), eq(replyStreams.turn, p('turn'))))
    .prepare(),
);
const drop = prepared((db) => db.delete(replyStreams).where(and(eq(replyStreams.conversationId, p('id')), eq(replyStreams.turn, p('turn')), eq(replyStreams.ts, p('ts')))).prepare());
const find = prepared((db) =>
  db
    .select()
    .from(replyStreams)
    .where(and(eq(replyStreams.conversationId, p('id')), eq(replyStreams.turn, p('turn')), lte(replyStreams.at, p('notAfter'))))
    .prepare(),
);

/**
 * Claims (conversation, turn) for a stream about to start. False when the turn number already has one
 * whose reply has not been written over it yet: a decision's turn shares its number with the message
 * turn before it, and that turn's record must stay its reply's.
 */
export function reserveReplyStream(db: Db, s: { conversationId: string; turn: number; channel: string; at: number }): boolean {
  prune(db).run({ before: s.at - KEPT_MS });
  return reserve(db).run({ id: s.conversationId, turn: s.turn, channel: s.channel, at: s.at }).changes === 1;
}

/** Slack named the streamed message (chat.startStream answered). */
export function recordReplyStreamTs(db: Db, conversationId: string, turn: number, ts: string): void {
  setTs(db).run({ id: conversationId, turn, ts });
}

/** The record is done with: the reply was written over its message, or nothing was shown (`ts` as recorded). */
export function dropReplyStream(db: Db, conversationId: string, turn: number, ts: string): void {
  drop(db).run({ id: conversationId, turn, ts });
}

/**
 * The message streamed while `turn` ran, for its reply written at `replyAt`: a stream started after the
 * reply was written belongs to a later turn of the same number (a decision's), not to this reply.
 */
export function replyStreamOf(db: Db, conversationId: string, turn: number, replyAt: number): ReplyStream | undefined {
  return find(db).get({ id: conversationId, turn, notAfter: replyAt });
}
