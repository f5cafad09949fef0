import { argsMatch, type Proposal } from './decide';
import type { Budget } from './schema';
import type { Decision } from './types';

/**
 * Blast-radius budgets, pure: whether a proposal counts against a budget, and what a reached budget
 * does to policy's decision. Counting (matching actions run or approved in the window, from the
 * database) is the caller's: the guard passes the counts in.
 */

/** Whether a proposal (or a past action) is what `budget` counts: its tool, and every `when` condition on its arguments. */
export function budgetMatches(budget: Budget, tool: string, args: Record<string, unknown>): boolean {
  if (budget.tools !== '*' && !budget.tools.includes(tool)) return false;
  return argsMatch(budget.when, args);
}

/** The budgets a proposal counts against, in file order: what the caller must count (each over its own window). */
export function budgetsFor(budgets: readonly Budget[], proposal: Proposal): Budget[] {
  return budgets.filter((b) => budgetMatches(b, proposal.tool, proposal.args));
}

/**
 * What a budget counts, wherever it is counted (the guard deciding, `policy explain`, `policy replay`):
 * the actions policy let through, by anyone — an allowed action at the moment it was decided, an
 * approved one at the moment it was approved (db/decisions.ts actionsForBudget reads them) — and the
 * proposals earlier in the same message that policy let through (allowed or sent for approval).
 */
export interface CountedAction {
  /** When it counts from: the decision (allowed) or the approval (approved). */
  at: number;
  tool: string;
  args: Record<string, unknown>;
  /** The message (turn) it was proposed in; that message's own proposals are counted as `earlier` instead. */
  turn: string;
}

/**
 * How many actions `budget` counts for a proposal decided at `at` in message `turn`: the matching
 * actions of other messages in its window, `(at - window, at]` (`past`, oldest first), plus the matching
 * proposals policy let through earlier in the same message (`earlier`). Not counting the proposal itself.
 */
export function budgetCount(budget: Budget, past: readonly CountedAction[], at: number, turn: string, earlier: readonly Proposal[] = []): number {
  const from = at - budget.window_minutes * 60_000;
  let n = 0;
  for (let i = past.length - 1; i >= 0; i--) {
    const a = past[i]!;
    if (a.at > at) continue;
    if (a.at <= from) break;
    if (a.turn !== turn && budgetMatches(budget, a.tool, a.args)) n++;
  }
  for (const e of earlier) if (budgetMatches(budget, e.tool, e.args)) n++;
  return n;
}

/** A budget is reached when `max` matching actions already ran or were approved in its window. */
export const budgetReached = (budget: Budget, count: number): boolean => count >= budget.max;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function windowText(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? 'day' : `${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? 'hour' : `${minutes / 60} hours`;
  return plural(minutes, 'minute');
}

/** What the requester is told when `budget` changes their request. */
export function budgetReason(budget: Budget): string {
  if (budget.reason) return budget.reason;
  const limit = `The organisation-wide limit "${budget.id}" (${budget.max} per ${windowText(budget.window_minutes)}) has been reached`;
  if (budget.then.effect === 'deny') return `${limit}, so this is refused for now; ask the IT team.`;
  return `${limit}, so this now needs ${plural(budget.then.approvals, 'approval')} by ${budget.then.approvers && budget.then.approvers !== 'admins' ? 'the designated approvers' : 'IT admins'}.`;
}

/** The decision once `budget` is reached: never looser than `decision`; the same object when the budget adds nothing. */
function escalate(decision: Decision, budget: Budget): Decision {
  if (decision.effect === 'deny') return decision;
  const rule = `budget:${budget.id}`;
  const then = budget.then;
  if (then.effect === 'deny') return { effect: 'deny', reason: budgetReason(budget), rule };
  if (decision.effect === 'require_approval' && decision.required === 'approver') {
    // Already approved by others: the budget raises the quorum; who approves and where stay the rule's.
    if ((decision.approvals ?? 1) >= then.approvals) return decision;
    return { ...decision, approvals: then.approvals, reason: budgetReason(budget), rule };
  }
  // Allowed, or only the requester's own confirmation: now others must approve.
  return {
    effect: 'require_approval',
    required: 'approver',
    reason: budgetReason(budget),
    rule,
    approvers: then.approvers ?? 'admins',
    approvals: then.approvals,
    ...(then.channel ? { channel: then.channel } : {}),
  };
}

const strictness = (d: Decision): number => (d.effect === 'deny' ? 1000 : d.effect === 'require_approval' ? (d.required === 'approver' ? 1 + (d.approvals ?? 1) : 1) : 0);

/**
 * Applies every reached budget the proposal counts against to policy's `decision`: a reached `deny`
 * budget refuses it; a reached `require_approval` budget makes an allowed action (or an admin's own
 * confirmation) need `approvals` approvers, and raises the quorum of one that already needs approvers.
 * A denial stays a denial. When several are reached the strictest wins (the first in file order among
 * equals). `countOf(budget)`: matching actions run or approved in the budget's window, not counting this
 * proposal. Returns `decision` itself when no budget changes it.
 */
export function applyBudgets(budgets: readonly Budget[], proposal: Proposal, decision: Decision, countOf: (budget: Budget) => number): Decision {
  if (decision.effect === 'deny') return decision;
  let result: Decision = decision;
  for (const budget of budgetsFor(budgets, proposal)) {
    if (!budgetReached(budget, countOf(budget))) continue;
    const next = escalate(decision, budget);
    if (strictness(next) > strictness(result)) result = next;
  }
  return result;
}
