import { and, desc, eq, lte } from 'drizzle-orm';
import type { Db } from './client';
import { appendAudit } from './audit';
import { feedback, messages, outbox } from './schema';
import { transact } from './transact';

export type Vote = 'up' | 'down';

export interface FeedbackVote {
  channel: string;
  messageTs: string;
  slackUser: string;
  voter: string;
  vote: Vote;
  /** The outbox key of the reply voted on (`reply:<conversation>:<version>`). */
  replyKey: string;
}

/** What a reply (by its outbox key) answered: its conversation, its text and the request before it. */
export function replyContext(db: Db, replyKey: string): { conversationId: string; reply: string; request: string | null } | null {
  const row = db.select().from(outbox).where(eq(outbox.key, replyKey)).get();
  if (!row || row.kind !== 'reply') return null;
  const body = JSON.parse(row.body) as { text?: unknown };
  // The newest thing the conversation's people said before the reply was written.
  const asked = db
    .select({ content: messages.content })
    .from(messages)
    .where(and(eq(messages.conversationId, row.conversationId), eq(messages.role, 'user'), lte(messages.createdAt, row.createdAt)))
    .orderBy(desc(messages.id))
    .limit(1)
    .get();
  return { conversationId: row.conversationId, reply: typeof body.text === 'string' ? body.text : '', request: asked?.content ?? null };
}

/**
 * Stores a vote and audits it, in one transaction: one vote per person per message, a second click
 * replaces the first (the audit entry says which it replaced). Returns the replaced vote, or null; a
 * click repeating the vote already stored changes nothing and is not audited again.
 */
export function recordFeedback(db: Db, v: FeedbackVote, now: number): { replaced: Vote | null; unchanged: boolean } | null {
  return transact(db, () => {
    const ctx = replyContext(db, v.replyKey);
    if (!ctx) return null;
    const key = and(eq(feedback.channel, v.channel), eq(feedback.messageTs, v.messageTs), eq(feedback.slackUser, v.slackUser));
    const before = db.select({ vote: feedback.vote }).from(feedback).where(key).get();
    if (before?.vote === v.vote) return { replaced: null, unchanged: true };
    const row = { ...v, conversationId: ctx.conversationId, request: ctx.request, reply: ctx.reply, at: now };
    if (before) db.update(feedback).set(row).where(key).run();
    else db.insert(feedback).values(row).run();
    appendAudit(
      db,
      { kind: 'feedback', actor: v.voter, conversationId: ctx.conversationId, data: { vote: v.vote, message: `${v.channel}/${v.messageTs}`, replaced: before?.vote ?? null } },
      now,
    );
    return { replaced: before?.vote ?? null, unchanged: false };
  });
}

export function feedbackRows(db: Db) {
  return db.select().from(feedback).orderBy(desc(feedback.at)).all();
}
