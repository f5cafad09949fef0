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

export type Decision =
  | { effect: 'allow'; reason: string; rule: string }
  | { effect: 'require_approval'; required: Required; reason: string; rule: string }
  | { effect: 'deny'; reason: string; rule: string };
