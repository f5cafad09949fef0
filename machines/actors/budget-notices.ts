import { appendAudit } from '../../db/audit';
import type { DecisionRow } from '../../db/decisions';
import { ADMIN_NOTICES, enqueueOutbox, lastKeyWithPrefix } from '../../db/outbox';
import { budgetNoticeText, noticeDue, noticeKey, noticeKeyPrefix, noticeTime } from '../../policies/budget-notice';
import type { Budget } from '../../policies/schema';
import { describeCall } from '../../tools/registry';
import type { AgentDeps } from '../deps';

/**
 * Inside the guard's transaction (an IMMEDIATE one, so two processes never both see "not told yet"):
 * for each budget this turn reached, tells the admins unless they were already told in its window
 * (policies/budget-notice.ts). The notice is an outbox item under a key holding its window's start,
 * which is also how the next turn, in any process, after any restart, finds it; and an audit entry
 * (`budget_notice`), which is what a deployment without the Slack app keeps of it.
 */
export function noticeBudgetsReached(
  deps: Pick<AgentDeps, 'db' | 'policy'>,
  reached: ReadonlyArray<{ budget: string; idx: number }>,
  rows: readonly DecisionRow[],
  context: { requester: string; conversationId: string; now: number },
): void {
  const { db } = deps;
  const told = new Set<string>();
  for (const r of reached) {
    if (told.has(r.budget)) continue;
    told.add(r.budget);
    const budget: Budget | undefined = (deps.policy.budgets ?? []).find((b) => b.id === r.budget);
    const row = rows[r.idx];
    if (!budget || !row) continue;
    const last = noticeTime(budget.id, lastKeyWithPrefix(db, noticeKeyPrefix(budget.id)));
    if (!noticeDue(budget, last, context.now)) continue;
    const key = noticeKey(budget.id, context.now);
    const what = describeCall(row.tool, JSON.parse(row.args)) ?? row.tool;
    const text = budgetNoticeText(budget, { requester: context.requester, what, decision: row.decision });
    // Delivery timing is wall-clock (retries, claims), whatever clock the turn runs on.
    enqueueOutbox(db, [{ kind: 'admin_notice', key, conversationId: ADMIN_NOTICES, body: { text, requester: context.requester } }], Date.now());
    appendAudit(db, { kind: 'budget_notice', actor: context.requester, conversationId: context.conversationId, data: { budget: budget.id, key, to: 'admins', text, turn: row.turnKey, idx: r.idx } }, context.now);
  }
}
