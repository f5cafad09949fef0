import { and, eq, ne } from 'drizzle-orm';
import type { Db } from './client';
import { slackCards } from './schema';

export type SlackCard = typeof slackCards.$inferSelect;

export function recordCard(db: Db, card: Omit<SlackCard, 'shows'>): void {
  db.insert(slackCards).values({ ...card, shows: 'pending' }).onConflictDoNothing().run();
}

export function cardsFor(db: Db, approvalId: string): SlackCard[] {
  return db.select().from(slackCards).where(eq(slackCards.approvalId, approvalId)).all();
}

/** Marks a card as showing `shows`; false when it already did (another delivery updated it first). */
export function markCard(db: Db, card: Pick<SlackCard, 'channel' | 'ts'>, shows: SlackCard['shows']): boolean {
  const r = db
    .update(slackCards)
    .set({ shows })
    .where(and(eq(slackCards.channel, card.channel), eq(slackCards.ts, card.ts), ne(slackCards.shows, shows)))
    .run();
  return r.changes === 1;
}
