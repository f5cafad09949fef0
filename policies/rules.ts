import { z } from 'zod';
import { ROLES } from './types';

/**
 * The rule table IT reads and edits. The first rule that matches a proposal decides it; when none
 * matches, the proposal is denied.
 *
 * - `scope`: `own` = the target belongs to the requester (their account, device or ticket; a new
 *   ticket is always their own), `other` = it belongs to someone else, `any` = either.
 * - `when`: conditions on the (already validated) arguments: a list of allowed values, or a bound.
 * - `targetState`: the rule matches only when the target is in one of these states (a device's status).
 * - `required` (for `require_approval`): `approver` = an admin other than the requester must approve;
 *   `requester` = the requester must confirm it themselves (irreversible actions by admins).
 */
const Condition = z.union([
  z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
  z.object({ gt: z.number() }).strict(),
  z.object({ lte: z.number() }).strict(),
]);

export const RuleSchema = z
  .object({
    id: z.string().min(1),
    roles: z.array(z.enum(ROLES)).min(1),
    tools: z.union([z.literal('*'), z.array(z.string().min(1)).min(1)]),
    scope: z.enum(['own', 'other', 'any']).default('any'),
    when: z.record(Condition).optional(),
    targetState: z.array(z.string().min(1)).min(1).optional(),
    effect: z.enum(['allow', 'require_approval', 'deny']),
    required: z.enum(['approver', 'requester']).optional(),
    reason: z.string().min(1),
  })
  .strict()
  .refine((r) => (r.effect === 'require_approval') === (r.required !== undefined), {
    message: '`required` is set exactly when effect is require_approval',
  });

export const PolicyTableSchema = z.array(RuleSchema).min(1);
export type Rule = z.infer<typeof RuleSchema>;
export type PolicyTable = Rule[];

export const MAX_GRANT_HOURS = 72;

// A restart ends the lock screen of a device locked as lost or stolen: it is an unlock, and needs a second person.
const LOCKED_RESTART = 'This device is locked (lost or stolen); restarting it would unlock it, so an IT admin other than you must approve.';

export const defaultRules: PolicyTable = PolicyTableSchema.parse([
  {
    id: 'grant-duration-cap',
    roles: ['guest', 'employee', 'admin'],
    tools: ['provision_access'],
    when: { duration_hours: { gt: MAX_GRANT_HOURS } },
    effect: 'deny',
    reason: `Access grants last at most ${MAX_GRANT_HOURS} hours; ask again with a shorter duration.`,
  },
  {
    id: 'own-lists',
    roles: ['guest', 'employee', 'admin'],
    tools: ['list_my_access', 'list_my_tickets'],
    scope: 'own',
    effect: 'allow',
    reason: 'Everyone may see their own access and tickets.',
  },
  {
    id: 'approval-queue-admins-only',
    roles: ['guest', 'employee'],
    tools: ['list_pending_approvals'],
    effect: 'deny',
    reason: 'Only IT admins approve requests. To see your own requests, ask me "what access do I have?".',
  },
  {
    id: 'guest-own-tickets',
    roles: ['guest'],
    tools: ['check_ticket_status'],
    scope: 'own',
    effect: 'allow',
    reason: 'Guests may check their own tickets.',
  },
  {
    id: 'guest-read-only',
    roles: ['guest'],
    tools: '*',
    effect: 'deny',
    reason: 'Guest accounts can only check the status of their own tickets; your host or the IT team can help with the rest.',
  },
  {
    id: 'employee-wipe-own-device',
    roles: ['employee'],
    tools: ['execute_remote_command'],
    scope: 'own',
    when: { command: ['wipe'] },
    effect: 'require_approval',
    required: 'approver',
    reason: 'Wiping erases the device and cannot be undone, so an IT admin must approve it.',
  },
  {
    id: 'employee-restart-locked-device',
    roles: ['employee'],
    tools: ['execute_remote_command'],
    scope: 'own',
    when: { command: ['restart'] },
    targetState: ['locked'],
    effect: 'require_approval',
    required: 'approver',
    reason: LOCKED_RESTART,
  },
  {
    id: 'employee-own-device',
    roles: ['employee'],
    tools: ['run_device_diagnostic', 'execute_remote_command'],
    scope: 'own',
    effect: 'allow',
    reason: 'Employees may run diagnostics on, lock and restart their own devices.',
  },
  {
    id: 'employee-own-password',
    roles: ['employee'],
    tools: ['reset_password'],
    scope: 'own',
    effect: 'allow',
    reason: 'Employees may reset their own password.',
  },
  {
    id: 'employee-own-access',
    roles: ['employee'],
    tools: ['provision_access'],
    scope: 'own',
    effect: 'require_approval',
    required: 'approver',
    reason: 'Access to a system needs an IT admin’s approval.',
  },
  {
    id: 'employee-own-tickets',
    roles: ['employee'],
    tools: ['create_support_ticket', 'check_ticket_status'],
    scope: 'own',
    effect: 'allow',
    reason: 'Employees may open and check their own tickets.',
  },
  {
    id: 'employee-other-scope',
    roles: ['employee'],
    tools: '*',
    scope: 'other',
    effect: 'deny',
    reason: 'You can only do this for your own account, devices and tickets. I can open a ticket so IT can help.',
  },
  {
    id: 'admin-wipe-confirmation',
    roles: ['admin'],
    tools: ['execute_remote_command'],
    when: { command: ['wipe'] },
    effect: 'require_approval',
    required: 'requester',
    reason: 'Wiping erases the device and cannot be undone: confirm it yourself before it runs.',
  },
  {
    id: 'admin-restart-locked-device',
    roles: ['admin'],
    tools: ['execute_remote_command'],
    when: { command: ['restart'] },
    targetState: ['locked'],
    effect: 'require_approval',
    required: 'approver',
    reason: LOCKED_RESTART,
  },
  {
    id: 'admin-all',
    roles: ['admin'],
    tools: '*',
    effect: 'allow',
    reason: 'Admins may run every tool.',
  },
]);
