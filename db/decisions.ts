import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { Db } from './client';
import { prepared } from './prepared';
import { decisions } from './schema';

export type DecisionRow = typeof decisions.$inferSelect;

const p = sql.placeholder;

const forTurn = prepared((db) => db.select().from(decisions).where(eq(decisions.turnKey, p('turnKey'))).orderBy(asc(decisions.idx)).prepare());

const insertOne = prepared((db) =>
  db
    .insert(decisions)
    .values({
      turnKey: p('turnKey'),
      idx: p('idx'),
      conversationId: p('conversationId'),
      requester: p('requester'),
      tool: p('tool'),
      args: p('args'),
      decision: p('decision'),
      reason: p('reason'),
      rule: p('rule'),
      approvalId: p('approvalId'),
      createdAt: p('createdAt'),
    })
    .prepare(),
);

/**
 * At most `limit` of a requester's recent actions, oldest first: the rate limit only needs to know
 * whether the cap is reached and when the oldest counted one ages out, whatever the history's size.
 */
const recentActions = prepared((db) =>
  db
    .select({ createdAt: decisions.createdAt })
    .from(decisions)
    .where(and(eq(decisions.requester, p('requester')), gt(decisions.createdAt, p('since')), ne(decisions.decision, 'deny')))
    .orderBy(asc(decisions.createdAt))
    .limit(p('limit'))
    .prepare(),
);

export function decisionsForTurn(db: Db, turnKey: string): DecisionRow[] {
  return forTurn(db).all({ turnKey });
}

export function insertDecisions(db: Db, rows: DecisionRow[]): void {
  for (const row of rows) insertOne(db).run(row);
}

/**
 * Tool calls policy let through (allowed, or sent for approval) for a requester since `since`, counted
 * up to `cap`, and the oldest of them.
 */
export function actionsSince(db: Db, requester: string, since: number, cap: number): { count: number; oldest: number | null } {
  const rows = recentActions(db).all({ requester, since, limit: Math.max(cap, 0) });
  return { count: rows.length, oldest: rows[0]?.createdAt ?? null };
}

/**
 * Actions of these tools (`*`: any) that went through since `since`, by anyone: allowed ones when
 * decided, approved ones when approved. What an org-wide budget counts (its `when` is applied by the caller).
 */
export function actionsForBudget(db: Db, tools: readonly string[] | '*', since: number): Array<{ tool: string; args: string }> {
  const toolFilter = tools === '*' ? sql`1 = 1` : sql`d.tool IN (${sql.join(tools.map((t) => sql`${t}`), sql`, `)})`;
  return db.all<{ tool: string; args: string }>(sql`
    SELECT d.tool, d.args FROM decisions d LEFT JOIN approvals a ON a.id = d.approval_id
    WHERE ${toolFilter}
      AND ((d.decision = 'allow' AND d.created_at > ${since}) OR (a.status = 'approved' AND a.decided_at > ${since}))`);
}
