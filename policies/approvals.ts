import type { Actor, Decision, Required, Target } from './types';

export interface ApprovalFacts {
  requester: string;
  required: Required;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  expiresAt: number;
  decidedBy: string | null;
}

export type ApprovalVerdict =
  | { ok: true }
  | {
      ok: false;
      reason: string;
      expired?: boolean;
      /** The decider may not answer this request at all: show them nothing of it, not even its state. */
      outsider?: boolean;
    };

/**
 * Whether policy, as it stands now, still lets an action approved in the way `required` says run:
 * an approver's approval covers an action policy sends for approval or allows; a requester's own
 * confirmation covers only what policy lets the requester do alone. The requester's role and the
 * target are today's, so a demotion, a deactivation or a changed target withdraws the right.
 */
export function stillAllowed(required: Required, now: Decision): ApprovalVerdict {
  if (now.effect === 'deny') return { ok: false, reason: `This is no longer allowed: ${now.reason}` };
  if (required === 'requester' && now.effect === 'require_approval' && now.required === 'approver') {
    return { ok: false, reason: 'Your rights have changed since you asked: this now needs an IT admin’s approval. Please ask again.' };
  }
  return { ok: true };
}

/**
 * Who may approve a request that needs approvers, as routed now (policies/routing.ts): whether the
 * decider is one of them, whom that means in words, and who has approved so far (a quorum above 1).
 * For a confirmation (`required: 'requester'`) it is the IT admins, who may deny (stop) it but never
 * confirm it.
 */
export interface ApproverCheck {
  eligible: boolean;
  approvers: string;
  votes: readonly string[];
  quorum: number;
}

/** What someone a request routed to the IT admins does not belong to is told. */
const onlyAdmins = (decision: 'approve' | 'deny') => `Only IT admins can ${decision} requests.`;
/** What a guest is told about anyone else's request, real or not: true of all of them, telling nothing of one. */
export const guestsCannot = (decision: 'approve' | 'deny') => `Guest accounts cannot ${decision} other people's requests.`;

/**
 * Whether the decider may answer this request at all, whatever its state: the people it belongs to.
 * - Approve: for `approver` requests one of its approvers (the route; without one, an admin), never the
 *   requester; for a `requester` confirmation only the requester.
 * - Deny: the requester (withdrawing their own request), and everyone who could approve it. A
 *   confirmation may also be denied by the IT admins other than the requester: stopping an irreversible
 *   action someone is about to take alone is never only that person's call.
 * Returns the refusal's reason, or null when they may answer.
 */
function outsiderReason(approval: ApprovalFacts, decider: Actor, decision: 'approve' | 'deny', route?: ApproverCheck): string | null {
  const isRequester = decider.id === approval.requester;
  if (isRequester) return null; // the requester's own wrong verb is refused below, with the request's words
  // A guest answers nobody else's requests, and is told so in words that say nothing of this one.
  if (decider.role === 'guest') return guestsCannot(decision);
  const mayApprove = route ? route.eligible : decider.role === 'admin';
  if (approval.required === 'requester') {
    if (decision === 'approve') return 'Only the person who asked can confirm this action.';
    return mayApprove ? null : 'Only the person who asked or an IT admin can deny this action.';
  }
  if (mayApprove) return null;
  const who = route && route.approvers !== 'IT admins' ? route.approvers : 'IT admins';
  return who === 'IT admins' ? onlyAdmins(decision) : `Only ${who} can ${decision} this request.`;
}

/**
 * Who may answer an approval, checked again on every click with the decider's rights now (see
 * outsiderReason for who the request belongs to). Someone it does not belong to learns only that
 * (`outsider`), not its state. Then: a decided or expired request cannot be answered; the requester
 * never approves a request that needs approvers; a confirmation is given only while policy still lets
 * the requester do it alone (`current`: policy's decision for the requester's action now); the same
 * approver does not count twice towards a quorum.
 */
export function mayDecide(approval: ApprovalFacts, decider: Actor, decision: 'approve' | 'deny', at: number, current: Decision, route?: ApproverCheck): ApprovalVerdict {
  const outsider = outsiderReason(approval, decider, decision, route);
  if (outsider) return { ok: false, reason: outsider, outsider: true };
  if (approval.status !== 'pending') {
    const by = approval.decidedBy ? ` by ${approval.decidedBy}` : '';
    return { ok: false, reason: `This request was already ${approval.status}${by}.` };
  }
  if (at >= approval.expiresAt) return { ok: false, reason: 'This request has expired; ask again if it is still needed.', expired: true };
  const isRequester = decider.id === approval.requester;
  if (decision === 'deny') return { ok: true };
  if (approval.required === 'requester') return stillAllowed('requester', current);
  if (isRequester) return { ok: false, reason: 'You cannot approve your own request; another approver must.' };
  if (route && route.votes.includes(decider.id)) {
    const more = route.quorum - route.votes.length;
    return { ok: false, reason: `You have already approved this request; it needs ${more} more approval${more === 1 ? '' : 's'} from someone else.` };
  }
  return { ok: true };
}

/** What changed about a target since an approval was asked for, in words; null when nothing did. */
export function targetDrift(before: Target, now: Target): string | null {
  if (before.kind === 'none' || now.kind === 'none') return before.kind === now.kind ? null : 'what it acts on changed';
  const name = `${before.kind} ${before.id}`;
  if (now.owner === null) return `${name} no longer exists`;
  if (before.id !== now.id) return `${name} now resolves to ${now.id}`;
  if (before.owner !== now.owner) return `${name} changed owner (${before.owner ?? 'none'} → ${now.owner})`;
  if ((before.state ?? null) !== (now.state ?? null)) return `${name} changed (${before.state ?? 'unknown'} → ${now.state ?? 'unknown'})`;
  return null;
}
