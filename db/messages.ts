import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from './client';
import { messages } from './schema';

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  author?: string | null;
}

/** Appends a message and forgets all but the newest `keep`, so memory per thread stays bounded. */
export function appendMessage(db: Db, conversationId: string, m: ChatMessage, keep: number, now: number): void {
  const { lastInsertRowid } = db
    .insert(messages)
    .values({ conversationId, role: m.role, author: m.author ?? null, content: m.content, createdAt: now })
    .run();
  const cutoff = db
    .select({ id: messages.id })
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(desc(messages.id))
    .limit(1)
    .offset(Math.max(keep, 1) - 1)
    .get();
  if (cutoff && cutoff.id <= Number(lastInsertRowid)) {
    db.delete(messages).where(and(eq(messages.conversationId, conversationId), lt(messages.id, cutoff.id))).run();
  }
}

/** Oldest first. */
export function recentMessages(db: Db, conversationId: string, limit: number): ChatMessage[] {
  if (limit <= 0) return [];
  return db
    .select({ role: messages.role, content: messages.content, author: messages.author })
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(desc(messages.id))
    .limit(limit)
    .all()
    .reverse();
}
