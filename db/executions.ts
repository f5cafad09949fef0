import { eq } from 'drizzle-orm';
import type { Db } from './client';
import { executions } from './schema';

export type ExecutionRow = typeof executions.$inferSelect;
export type PlannedExecution = Pick<ExecutionRow, 'key' | 'conversationId' | 'approvalId' | 'requester' | 'tool' | 'args'>;

/** Records intents; a key that is already journaled keeps its row (a re-plan after a restart is a no-op). */
export function planExecutions(db: Db, rows: PlannedExecution[], now: number): void {
  for (const row of rows) db.insert(executions).values({ ...row, status: 'planned', createdAt: now }).onConflictDoNothing().run();
}

export function getExecution(db: Db, key: string): ExecutionRow | null {
  return db.select().from(executions).where(eq(executions.key, key)).get() ?? null;
}

export type Claim = { kind: 'run' } | { kind: 'done'; row: ExecutionRow } | { kind: 'in_doubt'; row: ExecutionRow };

/**
 * Decides, from the journal alone, whether this execution may run now, and marks it `started` if so.
 * A row already `started` means a previous process died during the side effect: an idempotent tool may
 * run again, anything else is in doubt and must not be re-run blindly.
 */
export function claimExecution(db: Db, row: PlannedExecution, idempotent: boolean, now: number): Claim {
  const before = getExecution(db, row.key);
  if (!before) {
    db.insert(executions).values({ ...row, status: 'started', attempts: 1, createdAt: now }).run();
    return { kind: 'run' };
  }
  if (before.status === 'succeeded' || before.status === 'failed' || before.status === 'in_doubt') return { kind: 'done', row: before };
  if (before.status === 'started' && !idempotent) return { kind: 'in_doubt', row: before };
  db.update(executions).set({ status: 'started', attempts: before.attempts + 1 }).where(eq(executions.key, row.key)).run();
  return { kind: 'run' };
}

export function finishExecution(db: Db, key: string, status: 'succeeded' | 'failed' | 'in_doubt', output: unknown, now: number): void {
  db.update(executions).set({ status, output: JSON.stringify(output), finishedAt: now }).where(eq(executions.key, key)).run();
}
