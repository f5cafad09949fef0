import { eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { prepared } from './prepared';
import { executions } from './schema';

export type ExecutionRow = typeof executions.$inferSelect;
export type PlannedExecution = Pick<ExecutionRow, 'key' | 'conversationId' | 'approvalId' | 'requester' | 'tool' | 'args'>;

const p = sql.placeholder;

const insertRow = prepared((db) =>
  db
    .insert(executions)
    .values({
      key: p('key'),
      conversationId: p('conversationId'),
      approvalId: p('approvalId'),
      requester: p('requester'),
      tool: p('tool'),
      args: p('args'),
      status: p('status'),
      attempts: p('attempts'),
      createdAt: p('now'),
    })
    .onConflictDoNothing()
    .prepare(),
);

const byKey = prepared((db) => db.select().from(executions).where(eq(executions.key, p('key'))).prepare());

const restart = prepared((db) =>
  db
    .update(executions)
    .set({ status: 'started', attempts: sql`${executions.attempts} + 1` })
    .where(eq(executions.key, p('key')))
    .prepare(),
);

const finish = prepared((db) =>
  db
    .update(executions)
    .set({ status: sql`${p('status')}`, output: sql`${p('output')}`, finishedAt: sql`${p('now')}` })
    .where(eq(executions.key, p('key')))
    .prepare(),
);

/** Records intents; a key that is already journaled keeps its row (a re-plan after a restart is a no-op). */
export function planExecutions(db: Db, rows: PlannedExecution[], now: number): void {
  for (const row of rows) insertRow(db).run({ ...row, status: 'planned', attempts: 0, now });
}

export function getExecution(db: Db, key: string): ExecutionRow | null {
  return byKey(db).get({ key }) ?? null;
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
    insertRow(db).run({ ...row, status: 'started', attempts: 1, now });
    return { kind: 'run' };
  }
  if (before.status === 'succeeded' || before.status === 'failed' || before.status === 'in_doubt') return { kind: 'done', row: before };
  if (before.status === 'started' && !idempotent) return { kind: 'in_doubt', row: before };
  restart(db).run({ key: row.key });
  return { kind: 'run' };
}

export function finishExecution(db: Db, key: string, status: 'succeeded' | 'failed' | 'in_doubt', output: unknown, now: number): void {
  finish(db).run({ key, status, output: JSON.stringify(output), now });
}
