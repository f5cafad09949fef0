import { and, eq, gt, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { PendingRequest, RequestsView } from '../tools/contract';
import { describeCall } from '../tools/registry';
import type { Db } from './client';
import { prepared } from './prepared';
import { approvals, approvalVotes } from './schema';

export type ApprovalRow = typeof approvals.$inferSelect;
export type ApprovalStatus = ApprovalRow['status'];

export function insertApproval(db: Db, row: Omit<ApprovalRow, 'status' | 'decidedBy' | 'decidedAt' | 'deliveredAt'>): void {
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

/**
 * Decided approvals (approved, denied, expired) no settled turn has reported yet: the process that
 * decided died before running or telling, or another process decided them (the CLI, a sweep).
 */
export function undeliveredApprovals(db: Db): ApprovalRow[] {
  return db
    .select()
    .from(approvals)
    .where(and(isNull(approvals.deliveredAt), ne(approvals.status, 'pending')))
    .orderBy(approvals.decidedAt)
    .all();
}

/** Records that a settled turn reported these decisions (inside that turn's transaction). */
export function markDelivered(db: Db, ids: string[], now: number): void {
  if (!ids.length) return;
  db.update(approvals)
    .set({ deliveredAt: now })
    .where(and(inArray(approvals.id, ids), isNull(approvals.deliveredAt), ne(approvals.status, 'pending')))
    .run();
}

/** Pending, unexpired approvals as tools report them (tools/contract.ts RequestsView). */
export function requestsView(db: Db, now: () => number = Date.now): RequestsView {
  const pending = (where: ReturnType<typeof and>) =>
    db
      .select()
      .from(approvals)
      .where(and(eq(approvals.status, 'pending'), gt(approvals.expiresAt, now()), where))
      .orderBy(approvals.createdAt)
      .limit(50)
      .all()
      .map((a): PendingRequest => {
        const args = JSON.parse(a.args) as Record<string, unknown>;
        return { id: a.id, requester: a.requester, tool: a.tool, args, what: describeCall(a.tool, args) ?? a.tool, required: a.required, expiresAt: a.expiresAt };
      });
  return {
    pendingOf: (userId) => pending(eq(approvals.requester, userId)),
    waitingFor: (approver) =>
      pending(
        approver.role === 'admin'
          ? or(and(eq(approvals.required, 'approver'), ne(approvals.requester, approver.id)), and(eq(approvals.required, 'requester'), eq(approvals.requester, approver.id)))
          : and(eq(approvals.required, 'requester'), eq(approvals.requester, approver.id)),
      ),
  };
}

/** Records one approver's approval; false when they had already approved (the primary key refuses a second). */
export function addApprovalVote(db: Db, approvalId: string, voter: string, now: number): boolean {
  return db.insert(approvalVotes).values({ approvalId, voter, votedAt: now }).onConflictDoNothing().run().changes === 1;
}

/** Who has approved a request so far, in order. */
export function approvalVotesFor(db: Db, approvalId: string): string[] {
  return db
    .select({ voter: approvalVotes.voter })
    .from(approvalVotes)
    .where(eq(approvalVotes.approvalId, approvalId))
    .orderBy(approvalVotes.votedAt, approvalVotes.voter)
    .all()
    .map((v) => v.voter);
}
