import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { conversations, messages } from '../../db/schema';

/** Whether Sentinel has a conversation in this thread (it was @mentioned there, or DM'd). A primary-key look-up. */
export function inThread(db: Db, conversationId: string): boolean {
  return db.select({ id: conversations.id }).from(conversations).where(eq(conversations.id, conversationId)).get() !== undefined;
}

/**
 * Whether `actorId` talked with Sentinel in this conversation: one of its kept user messages is theirs
 * (history is bounded, so someone whose last words there have been forgotten must @mention it again).
 */
export function talkedInThread(db: Db, conversationId: string, actorId: string): boolean {
  return (
    db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), eq(messages.role, 'user'), eq(messages.author, actorId)))
      .limit(1)
      .get() !== undefined
  );
}
