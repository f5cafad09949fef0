import type { Approvers } from './schema';
import type { Decision, Role } from './types';

/**
 * Approver routing, pure: from a decision that needs approval, who may approve it and where its card
 * goes. Transports only deliver what this says; they never choose approvers.
 */

/** What routing needs to know about people; built by the caller from the directory (and Slack, for user groups). */
export interface ApproverDirectory {
  /** Active directory admins. */
  admins(): readonly string[];
  /** Whether `id` is an active directory user. */
  isActive(id: string): boolean;
  /** Members (directory ids) of a directory group; null when the directory has no such group. */
  groupMembers(group: string): readonly string[] | null;
  /** Members of a Slack user group as directory ids (the Slack transport resolves them by email); null when unknown. */
  slackUsergroupMembers(usergroup: string): readonly string[] | null;
}

export type Delivery =
  /** One card in this channel; only the eligible approvers' answers count. */
  | { kind: 'channel'; channel: string }
  /** A card by DM to each eligible approver. */
  | { kind: 'dm'; to: string[] }
  /** A confirmation: in the requester's own thread, answered by them alone. */
  | { kind: 'requester'; to: string };

export interface Route {
  /** Who may approve: distinct, sorted, never the requester (except as the sole answerer of their own confirmation). */
  approvers: string[];
  /** How many distinct approvers must approve. */
  approvals: number;
  delivery: Delivery;
  /** Set when the request can never be approved as routed (nobody, or fewer eligible approvers than the quorum). */
  problem?: string;
}

type NeedsApproval = Extract<Decision, { effect: 'require_approval' }>;

/** Whom an approvers value means, in words ("IT admins", "directory group \"security\""). */
export function describeApprovers(spec: Approvers): string {
  if (spec === 'admins') return 'IT admins';
  if ('users' in spec) return `the listed approvers (${spec.users.join(', ')})`;
  if ('group' in spec) return `directory group "${spec.group}"`;
  return `Slack user group ${spec.slack_usergroup}`;
}

/** Everyone `spec` names, as directory ids, before removing the requester and inactive people; null when the group is unknown. */
function named(spec: Approvers, directory: ApproverDirectory): readonly string[] | null {
  if (spec === 'admins') return directory.admins();
  if ('users' in spec) return spec.users;
  if ('group' in spec) return directory.groupMembers(spec.group);
  return directory.slackUsergroupMembers(spec.slack_usergroup);
}

/**
 * Who may approve `decision` for `requester`, and where the card goes: the rule's channel, else
 * `approvalsChannel` (SENTINEL_APPROVALS_CHANNEL), else a DM to each eligible approver. The requester
 * never counts; inactive and unknown people never do either.
 */
export function routeApproval(decision: NeedsApproval, requester: string, directory: ApproverDirectory, opts: { approvalsChannel?: string } = {}): Route {
  if (decision.required === 'requester') return { approvers: [requester], approvals: 1, delivery: { kind: 'requester', to: requester } };
  const spec = decision.approvers ?? 'admins';
  const approvals = decision.approvals ?? 1;
  const members = named(spec, directory);
  const approvers = [...new Set(members ?? [])].filter((id) => id !== requester && directory.isActive(id)).sort();
  const channel = decision.channel ?? opts.approvalsChannel;
  const delivery: Delivery = channel ? { kind: 'channel', channel } : { kind: 'dm', to: approvers };
  const route: Route = { approvers, approvals, delivery };
  if (members === null) route.problem = `${describeApprovers(spec)} is unknown, so nobody can approve this`;
  else if (approvers.length < approvals) {
    route.problem = `${approvals} approval${approvals === 1 ? '' : 's'} needed but ${describeApprovers(spec)} ${approvers.length === 0 ? 'has nobody' : `has only ${approvers.length}`} other than the requester who can approve`;
  }
  return route;
}

/** Whether `decider` may approve a request routed as `route` (the quorum and "not twice" are the caller's). */
export const eligible = (route: Route, decider: string): boolean => route.approvers.includes(decider);

export interface DirectoryPerson {
  id: string;
  role: Role;
  active: boolean;
}

/** An ApproverDirectory over plain data: people (with role and standing), directory groups and resolved Slack user groups. */
export function directoryFrom(people: readonly DirectoryPerson[], extra: { groups?: Record<string, readonly string[]>; slackUsergroups?: Record<string, readonly string[]> } = {}): ApproverDirectory {
  const byId = new Map(people.map((p) => [p.id, p]));
  const own = <T>(rec: Record<string, T> | undefined, key: string): T | null => (rec && Object.prototype.hasOwnProperty.call(rec, key) ? rec[key]! : null);
  return {
    admins: () => people.filter((p) => p.active && p.role === 'admin').map((p) => p.id),
    isActive: (id) => byId.get(id)?.active === true,
    groupMembers: (group) => own(extra.groups, group),
    slackUsergroupMembers: (usergroup) => own(extra.slackUsergroups, usergroup),
  };
}
