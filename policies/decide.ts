import { defaultRules, type PolicyTable, type Rule } from './rules';
import type { Actor, Decision, Target } from './types';

export interface Proposal {
  tool: string;
  /** Arguments already validated against the tool's schema. */
  args: Record<string, unknown>;
}

export interface DecideContext {
  target: Target;
  rules?: PolicyTable;
}

const KNOWN_ROLES = new Set(['guest', 'employee', 'admin']);

function scopeOf(actor: Actor, target: Target): 'own' | 'other' {
  if (target.kind === 'none') return 'own';
  return target.owner === actor.id ? 'own' : 'other';
}

function conditionHolds(cond: NonNullable<Rule['when']>[string], value: unknown): boolean {
  if (Array.isArray(cond)) return cond.some((allowed) => allowed === value);
  if (typeof value !== 'number') return false;
  return 'gt' in cond ? value > cond.gt : value <= cond.lte;
}

function matches(rule: Rule, actor: Actor, proposal: Proposal, target: Target, scope: 'own' | 'other'): boolean {
  if (!rule.roles.includes(actor.role)) return false;
  if (rule.targetState && (target.kind === 'none' || !target.state || !rule.targetState.includes(target.state))) return false;
  if (rule.tools !== '*' && !rule.tools.includes(proposal.tool)) return false;
  if (rule.scope !== 'any' && rule.scope !== scope) return false;
  for (const [field, cond] of Object.entries(rule.when ?? {})) {
    const value = Object.prototype.hasOwnProperty.call(proposal.args, field) ? proposal.args[field] : undefined;
    if (!conditionHolds(cond, value)) return false;
  }
  return true;
}

/**
 * The policy decision: pure and total. Whatever the actor, proposal and target, it returns a decision
 * with a reason and the rule that made it; it never throws and never does I/O.
 */
export function decide(actor: Actor, proposal: Proposal, context: DecideContext): Decision {
  if (!KNOWN_ROLES.has(actor.role)) return { effect: 'deny', reason: 'Your account has no recognised role.', rule: 'unknown-role' };
  const { target } = context;
  if (target.kind !== 'none' && target.owner === null) {
    return { effect: 'deny', reason: `I can't find ${target.kind} "${target.id}".`, rule: 'unknown-target' };
  }
  const scope = scopeOf(actor, target);
  for (const rule of context.rules ?? defaultRules) {
    if (!matches(rule, actor, proposal, target, scope)) continue;
    if (rule.effect === 'require_approval') {
      return { effect: 'require_approval', required: rule.required ?? 'approver', reason: rule.reason, rule: rule.id };
    }
    return { effect: rule.effect, reason: rule.reason, rule: rule.id };
  }
  return { effect: 'deny', reason: 'No policy rule allows this.', rule: 'default-deny' };
}
