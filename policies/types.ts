import type { Approvers } from './schema';

export type { Approvers };

export const ROLES = ['guest', 'employee', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The lesser of two roles (ROLES runs from least to most rights). */
export const lowerRole = (a: Role, b: Role): Role => ROLES[Math.min(ROLES.indexOf(a), ROLES.indexOf(b))] ?? 'guest';

/** Who is asking. Always built from an authenticated id (Slack user, CLI persona), never from message text. */
export interface Actor {
  id: string;
  role: Role;
  email?: string;
  name?: string;
}

/**
 * What a proposal acts on, with the facts policy needs, looked up from the backends before deciding.
 * `owner` is null when the target does not exist (or has no owner).
 */
export type Target =
  | { kind: 'none' }
  | {
      kind: 'user' | 'device' | 'ticket';
      id: string;
      owner: string | null;
      /** What an approval is also bound to: a device's status, a user's standing and email, a ticket's status. */
      state?: string;
    };

export type Effect = 'allow' | 'require_approval' | 'deny';
export type Required = 'approver' | 'requester';

/**
 * What policy says about one proposal, with the reason the requester is told and the rule (or check)
 * that decided. For `require_approval` with `required: 'approver'`, decide() also says who may approve
 * and how many must (from the matching rule, or a budget that tripped) so callers can route the card:
 * - `approvers`: absent = `'admins'`; see ApproversSchema (the requester never counts);
 * - `approvals`: the quorum, distinct approvers who must approve; absent = 1; one Deny ends it;
 * - `channel`: the Slack channel for the card; absent = SENTINEL_APPROVALS_CHANNEL, else DMs to the approvers.
 * A `required: 'requester'` confirmation carries none of them: only the requester answers it.
 * policies/routing.ts turns these into the eligible approvers and where the card goes.
 */
export type Decision =
  | { effect: 'allow'; reason: string; rule: string }
  | {
      effect: 'require_approval';
      required: Required;
      reason: string;
      rule: string;
      approvers?: Approvers;
      approvals?: number;
      channel?: string;
    }
  | { effect: 'deny'; reason: string; rule: string };

/** Who may approve a decision that needs an approver (`'admins'` unless the rule says otherwise). */
export const approversOf = (d: Extract<Decision, { effect: 'require_approval' }>): Approvers => d.approvers ?? 'admins';

/** How many distinct approvers a decision needs (1 unless the rule says otherwise; 1 for a confirmation). */
export const quorumOf = (d: Extract<Decision, { effect: 'require_approval' }>): number => (d.required === 'approver' ? d.approvals ?? 1 : 1);
