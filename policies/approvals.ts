import type { Actor, Decision, Required, Target } from './types';

export interface ApprovalFacts {
  requester: string;
  required: Required;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  expiresAt: number;
  decidedBy: string | null;
}

export type ApprovalVerdict = { ok: true } | { ok: false; reason: string; expired?: boolean };

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
 * Who may answer an approval, checked again on every click with the decider's rights now. Approve:
 * for `approver` approvals an admin who is not the requester; for `requester` confirmations only the
 * requester, and only while policy still lets them do it alone (`current`: policy's decision for the
 * requester's action now). Deny: the same people, and the requester may always withdraw their own.
 */
/**
 * Who may approve a request that needs approvers, as routed now (policies/routing.ts): whether the
 * decider is one of them, whom that means in words, and who has approved so far (a quorum above 1).
 */
export interface ApproverCheck {
  eligible: boolean;
  approvers: string;
  votes: readonly string[];
  quorum: number;
}

export function mayDecide(approval: ApprovalFacts, decider: Actor, decision: 'approve' | 'deny', at: number, current: Decision, route?: ApproverCheck): ApprovalVerdict {
  if (approval.status !== 'pending') {
    const by = approval.decidedBy ? ` by ${approval.decidedBy}` : '';
    return { ok: false, reason: `This request was already ${approval.status}${by}.` };
  }
  if (at >= approval.expiresAt) return { ok: false, reason: 'This request has expired; ask again if it is still needed.', expired: true };
  const isRequester = decider.id === approval.requester;
  if (decision === 'deny' && isRequester) return { ok: true };
  if (approval.required === 'requester') {
    if (!isRequester) return { ok: false, reason: 'Only the person who asked can confirm this action.' };
    return decision === 'approve' ? stillAllowed('requester', current) : { ok: true };
  }
  if (isRequester) return { ok: false, reason: 'You cannot approve your own request; another admin must.' };
  if (!route) return decider.role === 'admin' ? { ok: true } : { ok: false, reason: 'Only IT admins can approve requests.' };
  if (!route.eligible) return { ok: false, reason: route.approvers === 'IT admins' ? 'Only IT admins can approve requests.' : `Only ${route.approvers} can approve this request.` };
  if (decision === 'approve' && route.votes.includes(decider.id)) {
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
