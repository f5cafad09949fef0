import { and, eq, lte } from 'drizzle-orm';
import type { Db } from './client';
import { approvals } from './schema';

export type ApprovalRow = typeof approvals.$inferSelect;
export type ApprovalStatus = ApprovalRow['status'];

export function insertApproval(db: Db, row: Omit<ApprovalRow, 'status' | 'decidedBy' | 'decidedAt'>): void {
  db.insert(approvals).values({ ...row, status: 'pending' }).onConflictDoNothing().run();
}

export function getApproval(db: Db, id: string): ApprovalRow | null {
  return db.select().from(approvals).where(eq(approvals.id, id)).get() ?? null;
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
