import { actionsForBudget } from '../../db/decisions';
import { applyBudgets, budgetCount, budgetsFor } from '../../policies/budgets';
import { valueOr } from '../../tools/backends/types';
import { decide } from '../../policies/decide';
import { directoryFrom, routeApproval, type Route } from '../../policies/routing';
import type { Budget, LoadedPolicy } from '../../policies/schema';
import type { Actor, Decision, Target } from '../../policies/types';
import { directory } from '../../db/schema';
import { findTool, tools } from '../../tools/registry';
import type { Sentinel } from '../sentinel';
import { UsageError } from './args';
import { approversText, shortHash, targetText } from './describe';

export interface Explanation {
  policy: { file: string; hash: string };
  actor: Actor;
  tool: string;
  args: Record<string, unknown>;
  what: string;
  target: Target;
  /** The rule's position in the file (1-based), or null for the checks before the rules (unknown target, grant cap) and default deny. */
  rule_index: number | null;
  decision: Decision;
  /** The decision before budgets, when a budget changed it. */
  before_budgets?: Decision;
  budgets: Array<{ id: string; count: number; max: number; window_minutes: number; reached: boolean }>;
  /** Who would approve and where the card would go; null unless approval is required. */
  route: Route | null;
}

/**
 * What policy would say if `as` proposed `tool(args)` now: the actor and the target are resolved as the
 * machine resolves them (directory rights; the tool's own target lookup in the backends), budgets are
 * counted over the audit log, and approvers are routed over the directory in the database.
 */
export async function explain(s: Sentinel, policy: LoadedPolicy, as: string, toolName: string, rawArgs: Record<string, unknown>, approvalsChannel?: string): Promise<Explanation> {
  const user = valueOr(await s.backends.directory.find(as), null);
  if (!user) {
    const known = s.database.db.select({ id: directory.id }).from(directory).all().map((u) => u.id);
    throw new UsageError(`--as: no user "${as}" in the directory. Known users: ${known.slice(0, 10).join(', ') || 'none'}${known.length > 10 ? ', …' : ''}`);
  }
  const actor = await s.identify(as);
  const tool = findTool(toolName);
  if (!tool) throw new UsageError(`no tool called "${toolName}". Tools: ${tools.map((t) => t.name).join(', ')}`);
  const valid = tool.input.safeParse(rawArgs);
  if (!valid.success) {
    throw new UsageError(`invalid arguments for ${tool.name} (the machine would refuse them before policy): ${valid.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`);
  }
  const args = valid.data as Record<string, unknown>;
  const target = await tool.target(valid.data, s.backends);
  const proposal = { tool: tool.name, args };
  const decided = decide(actor, proposal, { target, policy });
  // Counted as the guard counts (policies/budgets.ts budgetCount): a new message, now.
  const at = Date.now();
  const counter = (b: Budget) => budgetCount(b, actionsForBudget(s.database.db, b.tools, at - b.window_minutes * 60_000), at, '');
  const matching: Budget[] = budgetsFor(policy.budgets, proposal);
  const decision = applyBudgets(policy.budgets, proposal, decided, counter);
  const index = policy.rules.findIndex((r) => r.id === decision.rule);
  let route: Route | null = null;
  if (decision.effect === 'require_approval') {
    const people = s.database.db.select({ id: directory.id, role: directory.role, active: directory.active }).from(directory).all();
    route = routeApproval(decision, actor.id, directoryFrom(people), { approvalsChannel });
  }
  return {
    policy: { file: policy.source, hash: policy.hash },
    actor,
    tool: tool.name,
    args,
    what: tool.describe(valid.data),
    target,
    rule_index: index < 0 ? null : index + 1,
    decision,
    ...(decision !== decided ? { before_budgets: decided } : {}),
    budgets: matching.map((b) => {
      const count = counter(b);
      return { id: b.id, count, max: b.max, window_minutes: b.window_minutes, reached: count >= b.max };
    }),
    route,
  };
}

const BEFORE_RULES: Record<string, string> = {
  'grant-duration-cap': 'grant_caps, checked before the rules',
  'unknown-target': 'the target does not exist; checked before the rules',
  'unknown-role': 'the account has no recognised role',
  'default-deny': 'no rule matched: default deny',
};

export function explainText(e: Explanation): string {
  const d = e.decision;
  const lines = [
    `policy: ${e.policy.file} (${shortHash(e.policy.hash)})`,
    `request: ${e.actor.id} (${e.actor.role}) → ${e.tool} ${JSON.stringify(e.args)}  (${e.what})`,
    `target: ${targetText(e.target, e.actor.id)}`,
    `rule: ${d.rule}${e.rule_index !== null ? ` (#${e.rule_index})` : d.rule.startsWith('budget:') ? ' (a budget was reached)' : BEFORE_RULES[d.rule] ? ` (${BEFORE_RULES[d.rule]})` : ''}`,
  ];
  if (d.effect === 'require_approval') {
    lines.push(
      d.required === 'requester'
        ? 'decision: require_approval — the requester confirms it themselves'
        : `decision: require_approval — ${d.approvals ?? 1} approval${(d.approvals ?? 1) === 1 ? '' : 's'} by ${approversText(d.approvers)}, never the requester`,
    );
  } else {
    lines.push(`decision: ${d.effect}`);
  }
  lines.push(`reason: ${d.reason}`);
  if (e.before_budgets) lines.push(`before budgets: ${e.before_budgets.effect} (rule ${e.before_budgets.rule})`);
  for (const b of e.budgets) lines.push(`budget ${b.id}: ${b.count} of ${b.max} in the last ${b.window_minutes} minutes${b.reached ? ' — reached' : ''}`);
  if (e.route && d.effect === 'require_approval' && typeof d.approvers === 'object' && 'slack_usergroup' in d.approvers) {
    lines.push(`approvers: the members of Slack user group ${d.approvers.slack_usergroup}, as the Slack app finds them in the directory (not known here)`);
  } else if (e.route) {
    const r = e.route;
    lines.push(`approvers: ${r.approvers.length ? r.approvers.join(', ') : 'nobody'}${r.approvals > 1 ? ` (${r.approvals} of them must approve)` : ''}`);
    lines.push(
      `card: ${r.delivery.kind === 'channel' ? `channel ${r.delivery.channel}` : r.delivery.kind === 'dm' ? `DM to ${r.delivery.to.join(', ') || 'nobody'}` : `the requester's own thread (${r.delivery.to})`}`,
    );
    if (r.problem) lines.push(`warning: ${r.problem}`);
  }
  return lines.join('\n');
}
