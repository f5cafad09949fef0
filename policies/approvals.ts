import type { Actor, Required } from './types';

export interface ApprovalFacts {
  requester: string;
  required: Required;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  expiresAt: number;
  decidedBy: string | null;
}

export type ApprovalVerdict = { ok: true } | { ok: false; reason: string; expired?: boolean };

/**
 * Who may answer an approval, checked again on every click. Approve: for `approver` approvals an admin
 * who is not the requester; for `requester` confirmations only the requester. Deny: the same people,
 * and the requester may always withdraw their own request.
 */
export function mayDecide(approval: ApprovalFacts, decider: Actor, decision: 'approve' | 'deny', now: number): ApprovalVerdict {
  if (approval.status !== 'pending') {
    const by = approval.decidedBy ? ` by ${approval.decidedBy}` : '';
    return { ok: false, reason: `This request was already ${approval.status}${by}.` };
  }
  if (now >= approval.expiresAt) return { ok: false, reason: 'This request has expired; ask again if it is still needed.', expired: true };
  const isRequester = decider.id === approval.requester;
  if (decision === 'deny' && isRequester) return { ok: true };
  if (approval.required === 'requester') {
    return isRequester ? { ok: true } : { ok: false, reason: 'Only the person who asked can confirm this action.' };
  }
  if (isRequester) return { ok: false, reason: 'You cannot approve your own request; another admin must.' };
  if (decider.role !== 'admin') return { ok: false, reason: 'Only IT admins can approve requests.' };
  return { ok: true };
}
