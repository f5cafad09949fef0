import { defaultPolicy } from './load';
import { DEFAULT_GRANT_CAPS, type Condition, type GrantCaps, type Policy, type PolicyTable, type Rule } from './schema';
import type { Actor, Decision, Target } from './types';

export interface Proposal {
  tool: string;
  /** Arguments already validated against the tool's schema. */
  args: Record<string, unknown>;
}

export interface DecideContext {
  target: Target;
  /** The policy that decides (rules and grant caps). Default: the shipped policy (policies/default.yaml). */
  policy?: Pick<Policy, 'rules' | 'grant_caps'>;
  /** Only a rule table: the grant caps are then the default ones (72 h for every system and level). Ignored with `policy`. */
  rules?: PolicyTable;
}

const KNOWN_ROLES = new Set(['guest', 'employee', 'admin']);

/** The tool whose `duration_hours` (for `system` at `level`) the grant caps bound. */
export const GRANT_TOOL = 'provision_access';

function scopeOf(actor: Actor, target: Target): 'own' | 'other' {
  if (target.kind === 'none') return 'own';
  return target.owner === actor.id ? 'own' : 'other';
}

/** Whether an argument value satisfies a rule's (or budget's) condition. */
export function conditionHolds(cond: Condition, value: unknown): boolean {
  if (Array.isArray(cond)) return cond.some((allowed) => allowed === value);
  if (typeof value !== 'number') return false;
  return 'gt' in cond ? value > cond.gt : value <= cond.lte;
}

/** Every condition holds on the proposal's own (not inherited) arguments. */
export function argsMatch(when: Record<string, Condition> | undefined, args: Record<string, unknown>): boolean {
  for (const [field, cond] of Object.entries(when ?? {})) {
    const value = Object.prototype.hasOwnProperty.call(args, field) ? args[field] : undefined;
    if (!conditionHolds(cond, value)) return false;
  }
  return true;
}

function matches(rule: Rule, actor: Actor, proposal: Proposal, target: Target, scope: 'own' | 'other'): boolean {
  if (!rule.roles.includes(actor.role)) return false;
  if (rule.targetState && (target.kind === 'none' || !target.state || !rule.targetState.includes(target.state))) return false;
  if (rule.tools !== '*' && !rule.tools.includes(proposal.tool)) return false;
  if (rule.scope !== 'any' && rule.scope !== scope) return false;
  return argsMatch(rule.when, proposal.args);
}

const own = (args: Record<string, unknown>, field: string): unknown => (Object.prototype.hasOwnProperty.call(args, field) ? args[field] : undefined);

/**
 * The cap on a grant of `level` on `system`, in hours, and what sets it: the system's level, the
 * system's default, else the global default.
 */
export function grantCap(caps: GrantCaps, system: string, level: string): { hours: number; scope: 'level' | 'system' | 'default' } {
  const key = system.toLowerCase();
  const forSystem = Object.prototype.hasOwnProperty.call(caps.systems, key) ? caps.systems[key] : undefined;
  const atLevel = forSystem && (level === 'read' || level === 'write' || level === 'admin') ? forSystem[level] : undefined;
  if (atLevel !== undefined) return { hours: atLevel, scope: 'level' };
  if (forSystem?.default !== undefined) return { hours: forSystem.default, scope: 'system' };
  return { hours: caps.default, scope: 'default' };
}

/** A grant over its cap: the denial, naming the cap. Null when within it (or not a grant). */
function overCap(caps: GrantCaps, proposal: Proposal): Decision | null {
  if (proposal.tool !== GRANT_TOOL) return null;
  const hours = own(proposal.args, 'duration_hours');
  if (typeof hours !== 'number') return null;
  const system = own(proposal.args, 'system');
  const level = own(proposal.args, 'level');
  const cap = grantCap(caps, typeof system === 'string' ? system : '', typeof level === 'string' ? level : '');
  if (hours <= cap.hours) return null;
  const what =
    cap.scope === 'level'
      ? `${String(level)} access to ${String(system).toLowerCase()} lasts at most ${cap.hours} hours`
      : cap.scope === 'system'
        ? `Access to ${String(system).toLowerCase()} lasts at most ${cap.hours} hours`
        : `Access grants last at most ${cap.hours} hours`;
  return { effect: 'deny', reason: `${what.charAt(0).toUpperCase()}${what.slice(1)}; ask again with a shorter duration.`, rule: 'grant-duration-cap' };
}

/** The decision a matching rule makes: approvals carry who approves, how many, and where the card goes. */
export function ruleDecision(rule: Rule): Decision {
  if (rule.effect !== 'require_approval') return { effect: rule.effect, reason: rule.reason, rule: rule.id };
  const required = rule.required ?? 'approver';
  if (required === 'requester') return { effect: 'require_approval', required, reason: rule.reason, rule: rule.id };
  return {
    effect: 'require_approval',
    required,
    reason: rule.reason,
    rule: rule.id,
    approvers: rule.approvers ?? 'admins',
    approvals: rule.approvals ?? 1,
    ...(rule.channel ? { channel: rule.channel } : {}),
  };
}

/**
 * The policy decision: pure and total. Whatever the actor, proposal and target, it returns a decision
 * with a reason and the rule that made it; it never throws and never does I/O. In order: an unknown
 * role, an unknown target (for a guest: as someone else's would be, when that is denied), a grant over
 * its cap (grant_caps) are denied; then the first matching rule decides; else default deny.
 */
export function decide(actor: Actor, proposal: Proposal, context: DecideContext): Decision {
  if (!KNOWN_ROLES.has(actor.role)) return { effect: 'deny', reason: 'Your account has no recognised role.', rule: 'unknown-role' };
  const { target } = context;
  const policy = context.policy ?? (context.rules ? { rules: context.rules, grant_caps: DEFAULT_GRANT_CAPS } : defaultPolicy());
  if (target.kind !== 'none' && target.owner === null) {
    // A guest is refused about an unknown target exactly as about someone else's, when that is a refusal:
    // their denials must not tell them which names, devices or tickets exist.
    const asSomeoneElses = actor.role === 'guest' ? byPolicy(policy, actor, proposal, target, 'other') : null;
    if (asSomeoneElses?.effect === 'deny') return asSomeoneElses;
    return { effect: 'deny', reason: `I can't find ${target.kind} "${target.id}".`, rule: 'unknown-target' };
  }
  return byPolicy(policy, actor, proposal, target, scopeOf(actor, target));
}

/** The grant caps, then the first matching rule, else default deny. */
function byPolicy(policy: Pick<Policy, 'rules' | 'grant_caps'>, actor: Actor, proposal: Proposal, target: Target, scope: 'own' | 'other'): Decision {
  const capped = overCap(policy.grant_caps, proposal);
  if (capped) return capped;
  for (const rule of policy.rules) if (matches(rule, actor, proposal, target, scope)) return ruleDecision(rule);
  return { effect: 'deny', reason: 'No policy rule allows this.', rule: 'default-deny' };
}
