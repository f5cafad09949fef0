import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { Db } from './client';
import { decisions } from './schema';

export type DecisionRow = typeof decisions.$inferSelect;

export function decisionsForTurn(db: Db, turnKey: string): DecisionRow[] {
  return db.select().from(decisions).where(eq(decisions.turnKey, turnKey)).orderBy(asc(decisions.idx)).all();
}

export function insertDecisions(db: Db, rows: DecisionRow[]): void {
  if (rows.length) db.insert(decisions).values(rows).run();
}

/** Tool calls policy let through (allowed, or sent for approval) for a requester since `since`, and the oldest of them. */
export function actionsSince(db: Db, requester: string, since: number): { count: number; oldest: number | null } {
  const r = db
    .select({ count: sql<number>`count(*)`, oldest: sql<number | null>`min(${decisions.createdAt})` })
    .from(decisions)
    .where(and(eq(decisions.requester, requester), gt(decisions.createdAt, since), ne(decisions.decision, 'deny')))
    .get();
  return { count: r?.count ?? 0, oldest: r?.oldest ?? null };
}
