import { and, eq, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from './client';
import { prepared } from './prepared';
import { approvals, executions } from './schema';

export type ApprovalRow = typeof approvals.$inferSelect;
export type ApprovalStatus = ApprovalRow['status'];

export function insertApproval(db: Db, row: Omit<ApprovalRow, 'status' | 'decidedBy' | 'decidedAt'>): void {
  db.insert(approvals).values({ ...row, status: 'pending' }).onConflictDoNothing().run();
}

const byId = prepared((db) => db.select().from(approvals).where(eq(approvals.id, sql.placeholder('id'))).prepare());

export function getApproval(db: Db, id: string): ApprovalRow | null {
  return byId(db).get({ id }) ?? null;
}

/**
 * Moves a pending, unexpired approval to its decision. The WHERE clause makes it a compare-and-set:
 * of two concurrent clicks exactly one changes the row; the other gets false.
 */
export function decideApprovalRow(db: Db, id: string, status: 'approved' | 'denied', by: string, now: number): boolean {
  const r = db
    .update(approvals)
    .set({ status, decidedBy: by, decidedAt: now })
    .where(and(eq(approvals.id, id), eq(approvals.status, 'pending')))
    .run();
  return r.changes === 1;
}

/** Marks every pending approval past its expiry as expired and returns them. */
export function expireDueApprovals(db: Db, now: number): ApprovalRow[] {
  return db
    .update(approvals)
    .set({ status: 'expired', decidedAt: now })
    .where(and(eq(approvals.status, 'pending'), lte(approvals.expiresAt, now)))
    .returning()
    .all();
}

export function pendingApprovals(db: Db, conversationId: string): ApprovalRow[] {
  return db.select().from(approvals).where(and(eq(approvals.conversationId, conversationId), eq(approvals.status, 'pending'))).all();
}

/** Approved approvals whose action never reached the journal: the process died between decision and run. */
export function undeliveredApprovals(db: Db): ApprovalRow[] {
  return db
    .select({ a: approvals })
    .from(approvals)
    .leftJoin(executions, eq(executions.key, sql`'approval:' || ${approvals.id}`))
    .where(and(eq(approvals.status, 'approved'), isNull(executions.key)))
    .all()
    .map((r) => r.a);
}
