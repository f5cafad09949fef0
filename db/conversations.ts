import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { prepared } from './prepared';
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

const p = sql.placeholder;

const selectById = prepared((db) =>
  db
    .select({ snapshot: conversations.snapshot, machineVersion: conversations.machineVersion, version: conversations.version, state: conversations.state })
    .from(conversations)
    .where(eq(conversations.id, p('id')))
    .prepare(),
);

const insertNew = prepared((db) =>
  db
    .insert(conversations)
    .values({ id: p('id'), snapshot: p('snapshot'), machineVersion: p('machineVersion'), state: p('state'), version: 1, updatedAt: p('now') })
    .onConflictDoNothing()
    .prepare(),
);

const updateVersion = prepared((db) =>
  db
    .update(conversations)
    .set({ snapshot: sql`${p('snapshot')}`, machineVersion: sql`${p('machineVersion')}`, state: sql`${p('state')}`, version: sql`${p('next')}`, updatedAt: sql`${p('now')}` })
    .where(and(eq(conversations.id, p('id')), eq(conversations.version, p('expected'))))
    .prepare(),
);

export function loadConversation(db: Db, id: string): StoredConversation | null {
  return selectById(db).get({ id }) ?? null;
}

/** Saves only over the version that was loaded (0 = new); returns the new version. */
export function saveConversation(
  db: Db,
  id: string,
  row: { snapshot: string; machineVersion: number; state: string },
  expectedVersion: number,
  now: number,
): number {
  const r =
    expectedVersion === 0
      ? insertNew(db).run({ id, ...row, now })
      : updateVersion(db).run({ id, ...row, now, next: expectedVersion + 1, expected: expectedVersion });
  if (r.changes !== 1) throw new ConcurrentUpdateError(id);
  return expectedVersion + 1;
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
