import { mayDecide, type ApprovalFacts } from './approvals';

const pending = (over: Partial<ApprovalFacts> = {}): ApprovalFacts => ({
  requester: 'intern',
  required: 'approver',
  status: 'pending',
  expiresAt: 1000,
  decidedBy: null,
  ...over,
});
const sam = { id: 'sam', role: 'admin' as const };
const intern = { id: 'intern', role: 'employee' as const };
const alice = { id: 'alice', role: 'employee' as const };

describe('mayDecide', () => {
  test('an admin other than the requester may approve', () => expect(mayDecide(pending(), sam, 'approve', 0)).toEqual({ ok: true }));
  test('the requester cannot approve their own request, even as admin', () => {
    expect(mayDecide(pending(), intern, 'approve', 0).ok).toBe(false);
    expect(mayDecide(pending({ requester: 'sam' }), sam, 'approve', 0).ok).toBe(false);
  });
  test('non-admins cannot approve or deny others’ requests', () => {
    expect(mayDecide(pending(), alice, 'approve', 0).ok).toBe(false);
    expect(mayDecide(pending(), alice, 'deny', 0).ok).toBe(false);
  });
  test('the requester may withdraw their request', () => expect(mayDecide(pending(), intern, 'deny', 0).ok).toBe(true));
  test('a confirmation can only be given by the requester', () => {
    const c = pending({ requester: 'cto', required: 'requester' });
    expect(mayDecide(c, { id: 'cto', role: 'admin' }, 'approve', 0).ok).toBe(true);
    expect(mayDecide(c, sam, 'approve', 0).ok).toBe(false);
  });
  test('expired requests cannot be decided', () => expect(mayDecide(pending(), sam, 'approve', 1000)).toMatchObject({ ok: false, expired: true }));
  test('decided requests cannot be decided again', () => {
    expect(mayDecide(pending({ status: 'approved', decidedBy: 'cto' }), sam, 'approve', 0)).toMatchObject({ ok: false, reason: expect.stringContaining('cto') });
    expect(mayDecide(pending({ status: 'denied' }), sam, 'deny', 0).ok).toBe(false);
  });
});
