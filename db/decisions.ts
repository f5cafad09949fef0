import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { Db } from './client';
import { prepared } from './prepared';
import type { CountedAction } from '../policies/budgets';
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
 * Every action of these tools (`*`: any) that counts against an org-wide budget since `since`, by
 * anyone, oldest first: allowed ones from when they were decided, approved ones from when they were
 * approved (policies/budgets.ts budgetCount applies the window, the budget's `when` and the message).
 * The one place that says which actions count: the guard, `policy explain` and `policy replay` read it.
 */
export function actionsForBudget(db: Db, tools: readonly string[] | '*', since: number): CountedAction[] {
  const toolFilter = tools === '*' ? sql`1 = 1` : sql`d.tool IN (${sql.join(tools.map((t) => sql`${t}`), sql`, `)})`;
  const rows = db.all<{ turn: string; tool: string; args: string; at: number }>(sql`
    SELECT d.turn_key AS turn, d.tool, d.args, CASE WHEN d.decision = 'allow' THEN d.created_at ELSE a.decided_at END AS at
    FROM decisions d LEFT JOIN approvals a ON a.id = d.approval_id
    WHERE ${toolFilter}
      AND ((d.decision = 'allow' AND d.created_at > ${since}) OR (a.status = 'approved' AND a.decided_at > ${since}))
    ORDER BY at`);
  return rows.map((r) => ({ at: r.at, tool: r.tool, args: argsObject(r.args), turn: r.turn }));
}

/** Stored arguments as an object ({} for anything else: a truncated or refused proposal's text). */
function argsObject(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
