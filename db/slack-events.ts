import { lt } from 'drizzle-orm';
import type { Db } from './client';
import { slackEvents } from './schema';

/**
 * Takes a Slack message in exactly once. Synchronous (better-sqlite3), so of two deliveries racing in
 * the same process, or in two processes, exactly one gets `true`.
 */
export function claimSlackMessage(db: Db, key: string, eventId: string | null, now: number): boolean {
  const r = db.insert(slackEvents).values({ key, eventId, receivedAt: now }).onConflictDoNothing().run();
  return r.changes === 1;
}

/** Slack redelivers for minutes, not days: older keys only cost space. */
export function pruneSlackMessages(db: Db, olderThan: number): number {
  return db.delete(slackEvents).where(lt(slackEvents.receivedAt, olderThan)).run().changes;
}
