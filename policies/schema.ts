import { z } from 'zod';
import { ROLES } from './types';

/**
 * The policy file's shape: the one source of the types, of runtime validation (at start and in
 * `npm run policy -- check`) and of the README's description. `policies/default.yaml` is the shipped
 * policy; `SENTINEL_POLICY` names another.
 *
 * A file is `{ rules, grant_caps?, budgets? }`:
 * - `rules`: first match wins, default deny (policies/decide.ts).
 * - `grant_caps`: the longest access grant per system and level, in hours (enforced by decide()).
 * - `budgets`: org-wide limits per tool over a rolling window (policies/budgets.ts).
 */

/** Today's cap on every access grant, and the default of `grant_caps.default`. */
export const DEFAULT_GRANT_HOURS = 72;
/** The longest grant the provision_access tool accepts at all. */
const MAX_HOURS = 720;
const MAX_QUORUM = 10;

const SLACK_CHANNEL = /^[CG][A-Z0-9]{2,30}$/;
const SLACK_USERGROUP = /^S[A-Z0-9]{2,30}$/;
const SYSTEM_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * A condition on an argument (already validated against the tool's schema): one of a list of values,
 * or a numeric bound. An argument that is missing (or only inherited) never satisfies a condition.
 */
export const ConditionSchema = z.union([
  z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
  z.object({ gt: z.number() }).strict(),
  z.object({ lte: z.number() }).strict(),
]);
export type Condition = z.infer<typeof ConditionSchema>;

const APPROVERS_HINT = 'must be "admins", { users: [ids] }, { group: "<directory group>" } or { slack_usergroup: "S…" }';

/**
 * Who may approve a rule's requests. The requester never counts, whoever they are.
 * - `admins` (the default): every active directory admin.
 * - `{ users: [ids] }`: these directory users (active ones).
 * - `{ group: name }`: the members of a directory group.
 * - `{ slack_usergroup: "S…" }`: the members of a Slack user group, as the Slack transport resolves them
 *   to directory users.
 */
export const ApproversSchema = z.union(
  [
    z.literal('admins'),
    z.object({ users: z.array(z.string().trim().min(1).max(254)).min(1).max(100) }).strict(),
    z.object({ group: z.string().trim().min(1).max(200) }).strict(),
    z.object({ slack_usergroup: z.string().regex(SLACK_USERGROUP, 'must be a Slack user group id (S…)') }).strict(),
  ],
  { errorMap: () => ({ message: APPROVERS_HINT }) },
);
export type Approvers = z.infer<typeof ApproversSchema>;

const Quorum = z.number().int().min(1).max(MAX_QUORUM);
const Channel = z.string().regex(SLACK_CHANNEL, 'must be a Slack channel id (C… or G…)');
const Id = z.string().trim().min(1).max(100);

/**
 * One rule. It matches a proposal when the requester's role is in `roles`, the tool in `tools` (or `*`),
 * the target in `scope`, every `when` condition holds, and (with `targetState`) the target is in one of
 * those states. Then:
 * - `effect: allow | deny`, with the `reason` the requester is told;
 * - `effect: require_approval` with `required: approver` (people other than the requester approve:
 *   `approvers`, `approvals` of them, cards to `channel`) or `required: requester` (the requester confirms
 *   it themselves: an admin's own irreversible action; no approvers, quorum or channel).
 */
const RuleObject = z
  .object({
    id: Id,
    roles: z.array(z.enum(ROLES)).min(1),
    tools: z.union([z.literal('*'), z.array(z.string().min(1)).min(1)]),
    /** `own`: the target belongs to the requester (a new ticket is always theirs); `other`: to someone else. */
    scope: z.enum(['own', 'other', 'any']).default('any'),
    when: z.record(ConditionSchema).optional(),
    targetState: z.array(z.string().min(1)).min(1).optional(),
    effect: z.enum(['allow', 'require_approval', 'deny']),
    required: z.enum(['approver', 'requester']).optional(),
    /** Only with `required: approver`. Default `admins`. */
    approvers: ApproversSchema.optional(),
    /** Only with `required: approver`: distinct approvers needed (quorum); one Deny ends it. Default 1. */
    approvals: Quorum.optional(),
    /** Only with `required: approver`: the Slack channel for this rule's cards; else SENTINEL_APPROVALS_CHANNEL, else DMs. */
    channel: Channel.optional(),
    reason: z.string().min(1),
  })
  .strict();

export const RuleSchema = RuleObject.superRefine((r, ctx) => {
  if ((r.effect === 'require_approval') !== (r.required !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['required'], message: '`required` is set exactly when effect is require_approval' });
  }
  const byApprover = r.effect === 'require_approval' && r.required === 'approver';
  for (const field of ['approvers', 'approvals', 'channel'] as const) {
    if (r[field] !== undefined && !byApprover) {
      ctx.addIssue({ code: 'custom', path: [field], message: `only for effect: require_approval with required: approver` });
    }
  }
  if (r.approvers && typeof r.approvers === 'object' && 'users' in r.approvers) {
    const users = r.approvers.users;
    const dup = users.find((u, i) => users.indexOf(u) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['approvers', 'users'], message: `"${dup}" is listed twice` });
    if ((r.approvals ?? 1) > new Set(users).size) {
      ctx.addIssue({ code: 'custom', path: ['approvals'], message: `needs ${r.approvals} approvers but approvers.users lists only ${new Set(users).size}` });
    }
  }
});
export type Rule = z.infer<typeof RuleSchema>;

/** Rule ids are unique: the audit log names the rule that decided. */
export const PolicyTableSchema = z
  .array(RuleSchema)
  .min(1)
  .superRefine((rules, ctx) => {
    const seen = new Map<string, number>();
    rules.forEach((r, i) => {
      const first = seen.get(r.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${r.id}" is also the id of rule #${first + 1}` });
      else seen.set(r.id, i);
    });
  });
export type PolicyTable = Rule[];

const Hours = z.number().int().min(1).max(MAX_HOURS);

/** Per level of one system; a level not named falls back to the system's `default`, then the global one. */
const SystemCapsSchema = z.object({ read: Hours.optional(), write: Hours.optional(), admin: Hours.optional(), default: Hours.optional() }).strict();

/**
 * The longest access grant (provision_access `duration_hours`) per system and level. Enforced by
 * decide() before the rules, for every role: a longer request is denied with a reason naming the cap.
 */
export const GrantCapsSchema = z
  .object({
    default: Hours.default(DEFAULT_GRANT_HOURS),
    systems: z.record(z.string().regex(SYSTEM_ID, 'system ids are lowercase letters, digits, ".", "_" and "-"'), SystemCapsSchema).default({}),
  })
  .strict();
export type GrantCaps = z.infer<typeof GrantCapsSchema>;
export const DEFAULT_GRANT_CAPS: GrantCaps = { default: DEFAULT_GRANT_HOURS, systems: {} };

/** What a tripped budget does to a proposal policy would let through. */
export const BudgetEffectSchema = z.discriminatedUnion('effect', [
  z
    .object({
      effect: z.literal('require_approval'),
      /** Distinct approvers needed once the budget is reached (at least the matching rule's quorum). */
      approvals: Quorum.default(1),
      /** Who approves once the budget is reached; default: the rule's approvers, else admins. */
      approvers: ApproversSchema.optional(),
      channel: Channel.optional(),
    })
    .strict(),
  z.object({ effect: z.literal('deny') }).strict(),
]);

/**
 * An org-wide limit: once `max` actions matching `tools` (and `when`) have run or been approved in the
 * last `window_minutes`, every further matching proposal gets `then` instead of what the rules said
 * (never anything looser). Alongside, not instead of, the per-user hourly limit.
 */
export const BudgetSchema = z
  .object({
    id: Id,
    tools: z.union([z.literal('*'), z.array(z.string().min(1)).min(1)]),
    when: z.record(ConditionSchema).optional(),
    max: z.number().int().min(0).max(1_000_000),
    window_minutes: z.number().int().min(1).max(7 * 24 * 60),
    then: BudgetEffectSchema,
    /** What the requester is told; default: a sentence naming the budget. */
    reason: z.string().min(1).optional(),
  })
  .strict();
export type Budget = z.infer<typeof BudgetSchema>;

export const PolicySchema = z
  .object({
    /** Optional; only 1 exists. */
    version: z.literal(1).optional(),
    rules: PolicyTableSchema,
    grant_caps: GrantCapsSchema.default({}),
    budgets: z.array(BudgetSchema).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.budgets.forEach((b, i) => {
      if (seen.has(b.id)) ctx.addIssue({ code: 'custom', path: ['budgets', i, 'id'], message: `"${b.id}" names two budgets` });
      seen.add(b.id);
    });
  });
export type Policy = z.infer<typeof PolicySchema>;

/** A policy as loaded from a file: what decided, and which bytes (sha256) it came from. */
export interface LoadedPolicy extends Policy {
  /** sha256 (hex) of the file's bytes, recorded in every audited decision. */
  hash: string;
  /** The file it was read from. */
  source: string;
}
