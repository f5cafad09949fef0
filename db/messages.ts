import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from './client';
import { prepared } from './prepared';
import { redactText } from './redact';
import { messages } from './schema';

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  author?: string | null;
}

const p = sql.placeholder;

const insertMessage = prepared((db) =>
  db
    .insert(messages)
    .values({ conversationId: p('conversationId'), role: p('role'), author: p('author'), content: p('content'), createdAt: p('now') })
    .prepare(),
);

/** The id of the `keep`-th newest message: everything older goes. */
const cutoffId = prepared((db) =>
  db
    .select({ id: messages.id })
    .from(messages)
    .where(eq(messages.conversationId, p('conversationId')))
    .orderBy(desc(messages.id))
    .limit(1)
    .offset(p('skip'))
    .prepare(),
);

const deleteOlder = prepared((db) =>
  db
    .delete(messages)
    .where(and(eq(messages.conversationId, p('conversationId')), lt(messages.id, p('cutoff'))))
    .prepare(),
);

const newest = prepared((db) =>
  db
    .select({ role: messages.role, content: messages.content, author: messages.author })
    .from(messages)
    .where(eq(messages.conversationId, p('conversationId')))
    .orderBy(desc(messages.id))
    .limit(p('limit'))
    .prepare(),
);

/**
 * Appends a message and forgets all but the newest `keep`, so memory per thread stays bounded. Secrets a
 * person typed ("my password is …", a pasted token) are masked first: history is kept on disk and sent
 * back to the LLM on later turns, and neither needs them.
 */
export function appendMessage(db: Db, conversationId: string, m: ChatMessage, keep: number, now: number): void {
  const { lastInsertRowid } = insertMessage(db).run({ conversationId, role: m.role, author: m.author ?? null, content: redactText(m.content), now });
  const cutoff = cutoffId(db).get({ conversationId, skip: Math.max(keep, 1) - 1 });
  if (cutoff && cutoff.id <= Number(lastInsertRowid)) deleteOlder(db).run({ conversationId, cutoff: cutoff.id });
}

/** Oldest first. */
export function recentMessages(db: Db, conversationId: string, limit: number): ChatMessage[] {
  if (limit <= 0) return [];
  return newest(db).all({ conversationId, limit }).reverse();
}
