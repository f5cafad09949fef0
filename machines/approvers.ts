import type { ApproverDirectory, Route } from '../policies/routing';
import { describeApprovers, routeApproval } from '../policies/routing';
import { ApproversSchema, type Approvers } from '../policies/schema';
import type { Decision } from '../policies/types';
import { valueOr, type Backends } from '../tools/backends/types';

// Who may approve a request, looked up now: the directory side of policies/routing.ts (which is pure).
// Called when a request is made (can anyone approve it at all?) and on every click (may this person?).

/** Members of a Slack user group as directory ids; only the Slack transport can answer (null elsewhere). */
export type UsergroupMembers = (usergroup: string) => Promise<string[] | null>;

/** The directory facts routing needs for `spec`, fetched once so routing itself stays pure. */
export async function approverDirectory(directory: Backends['directory'], spec: Approvers, usergroups?: UsergroupMembers): Promise<ApproverDirectory> {
  const admins = valueOr(await directory.admins(), []).map((a) => a.id);
  const active = new Set(admins);
  let group: readonly string[] | null = null;
  let usergroup: readonly string[] | null = null;
  const addActive = async (ids: readonly string[] | null) => {
    for (const id of ids ?? []) if (valueOr(await directory.find(id), null)?.active) active.add(id);
  };
  if (spec !== 'admins' && 'users' in spec) await addActive(spec.users);
  if (spec !== 'admins' && 'group' in spec) {
    group = valueOr(await directory.groupMembers(spec.group), null);
    for (const id of group ?? []) active.add(id);
  }
  if (spec !== 'admins' && 'slack_usergroup' in spec) {
    usergroup = (await usergroups?.(spec.slack_usergroup)) ?? null;
    await addActive(usergroup);
  }
  return {
    admins: () => admins,
    isActive: (id) => active.has(id),
    groupMembers: (name) => (spec !== 'admins' && 'group' in spec && spec.group === name ? group : null),
    slackUsergroupMembers: (id) => (spec !== 'admins' && 'slack_usergroup' in spec && spec.slack_usergroup === id ? usergroup : null),
  };
}

/** An approval row's stored approvers (JSON; null = IT admins), read defensively: anything unreadable means admins. */
export function storedApprovers(json: string | null): Approvers {
  if (!json) return 'admins';
  try {
    const parsed = ApproversSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : 'admins';
  } catch {
    return 'admins';
  }
}

/** Routes a decision that needs approval for `requester`, with the directory as it is now. */
export async function routeNow(
  directory: Backends['directory'],
  decision: Extract<Decision, { effect: 'require_approval' }>,
  requester: string,
  opts: { approvalsChannel?: string; usergroups?: UsergroupMembers } = {},
): Promise<Route> {
  const dir = await approverDirectory(directory, decision.approvers ?? 'admins', opts.usergroups);
  return routeApproval(decision, requester, dir, { approvalsChannel: opts.approvalsChannel });
}

/** The stored approval as the decision routing takes. */
export function approvalDecision(a: { required: 'approver' | 'requester'; approvers: string | null; quorum: number; channel: string | null; reason: string; rule: string }): Extract<Decision, { effect: 'require_approval' }> {
  return {
    effect: 'require_approval',
    required: a.required,
    reason: a.reason,
    rule: a.rule,
    approvers: storedApprovers(a.approvers),
    approvals: a.quorum,
    ...(a.channel ? { channel: a.channel } : {}),
  };
}

/** "an IT admin", "2 IT admins", "one of directory group "security"": whom a waiting request needs, for its requester. */
export function approverWords(a: { approvers: string | null; quorum: number }): string {
  const spec = storedApprovers(a.approvers);
  if (spec === 'admins') return a.quorum > 1 ? `${a.quorum} IT admins` : 'an IT admin';
  return `${a.quorum > 1 ? a.quorum : 'one'} of ${describeApprovers(spec)}`;
}

/** The `approvers` words an ApprovalRef carries, only when they differ from the default ("an IT admin"). */
export function approverFields(a: { required: 'approver' | 'requester'; approvers: string | null; quorum: number }): { approvers?: string } {
  if (a.required !== 'approver' || (a.approvers === null && a.quorum <= 1)) return {};
  return { approvers: approverWords(a) };
}
