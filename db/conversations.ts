import { eq, and } from 'drizzle-orm';
import type { Db } from './client';
import { conversations } from './schema';

export interface StoredConversation {
  snapshot: string;
  machineVersion: number;
  version: number;
  state: string;
}

export class ConcurrentUpdateError extends Error {
  constructor(id: string) {
    super(`conversation ${id} was changed by another process`);
  }
}

export function loadConversation(db: Db, id: string): StoredConversation | null {
  return (
    db
      .select({ snapshot: conversations.snapshot, machineVersion: conversations.machineVersion, version: conversations.version, state: conversations.state })
      .from(conversations)
      .where(eq(conversations.id, id))
      .get() ?? null
  );
}

/** Saves only over the version that was loaded (0 = new); returns the new version. */
export function saveConversation(
  db: Db,
  id: string,
  row: { snapshot: string; machineVersion: number; state: string },
  expectedVersion: number,
  now: number,
): number {
  const next = expectedVersion + 1;
  if (expectedVersion === 0) {
    const r = db.insert(conversations).values({ id, ...row, version: next, updatedAt: now }).onConflictDoNothing().run();
    if (r.changes !== 1) throw new ConcurrentUpdateError(id);
    return next;
  }
  const r = db
    .update(conversations)
    .set({ ...row, version: next, updatedAt: now })
    .where(and(eq(conversations.id, id), eq(conversations.version, expectedVersion)))
    .run();
  if (r.changes !== 1) throw new ConcurrentUpdateError(id);
  return next;
}

/** Conversations left mid-turn by a crash: not at rest in idle or awaiting_approval. */
export function listUnsettled(db: Db): string[] {
  return db
    .select({ id: conversations.id, state: conversations.state })
    .from(conversations)
    .all()
    .filter((c) => c.state !== 'idle' && c.state !== 'awaiting_approval')
    .map((c) => c.id);
}
