import { decide } from './decide';
import { mayDecide, stillAllowed, targetDrift, type ApprovalFacts } from './approvals';
import type { Decision } from './types';

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
const stillConfirmable: Decision = { effect: 'require_approval', required: 'requester', reason: 'confirm', rule: 'admin-wipe-confirmation' };
const wipeOf = (owner: string) => ({ target: { kind: 'device' as const, id: 'LAPTOP-X', owner, state: 'active' } });
const wipe = { tool: 'execute_remote_command', args: { device_id: 'LAPTOP-X', command: 'wipe' } };

describe('mayDecide', () => {
  test('an admin other than the requester may approve', () => expect(mayDecide(pending(), sam, 'approve', 0, stillConfirmable)).toEqual({ ok: true }));
  test('the requester cannot approve their own request, even as admin', () => {
    expect(mayDecide(pending(), intern, 'approve', 0, stillConfirmable).ok).toBe(false);
    expect(mayDecide(pending({ requester: 'sam' }), sam, 'approve', 0, stillConfirmable).ok).toBe(false);
  });
  test('non-admins cannot approve or deny others’ requests', () => {
    expect(mayDecide(pending(), alice, 'approve', 0, stillConfirmable).ok).toBe(false);
    expect(mayDecide(pending(), alice, 'deny', 0, stillConfirmable).ok).toBe(false);
  });
  test('the requester may withdraw their request', () => expect(mayDecide(pending(), intern, 'deny', 0, stillConfirmable).ok).toBe(true));
  test('a confirmation can only be given by the requester', () => {
    const c = pending({ requester: 'cto', required: 'requester' });
    expect(mayDecide(c, { id: 'cto', role: 'admin' }, 'approve', 0, stillConfirmable).ok).toBe(true);
    expect(mayDecide(c, sam, 'approve', 0, stillConfirmable).ok).toBe(false);
  });
  test('another admin may deny (stop) a confirmation; nobody else but the requester may', () => {
    const c = pending({ requester: 'cto', required: 'requester' });
    expect(mayDecide(c, sam, 'deny', 0, stillConfirmable)).toEqual({ ok: true });
    expect(mayDecide(c, alice, 'deny', 0, stillConfirmable)).toEqual({ ok: false, reason: expect.stringMatching(/can deny this action/), outsider: true });
    expect(mayDecide(c, { id: 'cto', role: 'admin' }, 'deny', 0, stillConfirmable)).toEqual({ ok: true });
    // A route (the runner's): its eligible people may deny, others not.
    const admins = (eligible: boolean) => ({ eligible, approvers: 'IT admins', votes: [], quorum: 1 });
    expect(mayDecide(c, sam, 'deny', 0, stillConfirmable, admins(true)).ok).toBe(true);
    expect(mayDecide(c, sam, 'deny', 0, stillConfirmable, admins(false)).ok).toBe(false);
  });
  test('a refusal says the verb that was refused, and an outsider learns nothing of the request’s state', () => {
    expect(mayDecide(pending(), alice, 'deny', 0, stillConfirmable)).toMatchObject({ reason: 'Only IT admins can deny requests.', outsider: true });
    expect(mayDecide(pending(), alice, 'approve', 0, stillConfirmable)).toMatchObject({ reason: 'Only IT admins can approve requests.', outsider: true });
    const listed = { eligible: false, approvers: 'the listed approvers (cto)', votes: [], quorum: 1 };
    expect(mayDecide(pending(), sam, 'deny', 0, stillConfirmable, listed)).toMatchObject({ reason: 'Only the listed approvers (cto) can deny this request.' });
    const decided = pending({ status: 'approved', decidedBy: 'cto' });
    expect(mayDecide(decided, alice, 'approve', 0, stillConfirmable)).toEqual({ ok: false, reason: 'Only IT admins can approve requests.', outsider: true });
  });
  test('a valid approver may deny, also after approving towards a quorum', () => {
    const route = { eligible: true, approvers: 'IT admins', votes: ['sam'], quorum: 2 };
    expect(mayDecide(pending(), sam, 'deny', 0, stillConfirmable, route)).toEqual({ ok: true });
    expect(mayDecide(pending(), sam, 'approve', 0, stillConfirmable, route).ok).toBe(false);
  });
  test('expired requests cannot be decided', () => expect(mayDecide(pending(), sam, 'approve', 1000, stillConfirmable)).toMatchObject({ ok: false, expired: true }));
  test('decided requests cannot be decided again', () => {
    expect(mayDecide(pending({ status: 'approved', decidedBy: 'cto' }), sam, 'approve', 0, stillConfirmable)).toMatchObject({ ok: false, reason: expect.stringContaining('cto') });
    expect(mayDecide(pending({ status: 'denied' }), sam, 'deny', 0, stillConfirmable).ok).toBe(false);
  });

  test('a confirmation needs the requester to still hold the rights that let them ask', () => {
    const c = pending({ requester: 'cto', required: 'requester' });
    // Demoted to employee after asking to wipe someone else's device: policy now denies it.
    const demoted = { id: 'cto', role: 'employee' as const };
    expect(mayDecide(c, demoted, 'approve', 0, decide(demoted, wipe, wipeOf('alice')))).toMatchObject({ ok: false, reason: expect.stringMatching(/no longer allowed/) });
    // Demoted, wiping their own device: it now needs another admin, a self-confirmation is not enough.
    expect(mayDecide(c, demoted, 'approve', 0, decide(demoted, wipe, wipeOf('cto')))).toMatchObject({ ok: false, reason: expect.stringMatching(/IT admin/) });
    // Still an admin: confirmed. Cancelling needs no rights beyond being the requester.
    const cto = { id: 'cto', role: 'admin' as const };
    expect(mayDecide(c, cto, 'approve', 0, decide(cto, wipe, wipeOf('alice')))).toEqual({ ok: true });
    expect(mayDecide(c, demoted, 'deny', 0, decide(demoted, wipe, wipeOf('alice')))).toEqual({ ok: true });
  });
});

describe('stillAllowed', () => {
  const allow: Decision = { effect: 'allow', reason: 'ok', rule: 'r' };
  const needsApprover: Decision = { effect: 'require_approval', required: 'approver', reason: 'r', rule: 'r' };
  const denied: Decision = { effect: 'deny', reason: 'nope', rule: 'r' };
  test('an approver’s approval covers what policy sends for approval or allows, not what it denies', () => {
    expect(stillAllowed('approver', needsApprover).ok).toBe(true);
    expect(stillAllowed('approver', allow).ok).toBe(true);
    expect(stillAllowed('approver', denied)).toMatchObject({ ok: false, reason: expect.stringContaining('nope') });
  });
  test('a self-confirmation covers only what the requester may do alone', () => {
    expect(stillAllowed('requester', stillConfirmable).ok).toBe(true);
    expect(stillAllowed('requester', allow).ok).toBe(true);
    expect(stillAllowed('requester', needsApprover).ok).toBe(false);
  });
});

describe('targetDrift', () => {
  const device = (owner: string | null, state?: string) => ({ kind: 'device' as const, id: 'LAPTOP-X', owner, state });
  test('names a changed owner, a changed state and a vanished target; nothing when unchanged', () => {
    expect(targetDrift(device('alice', 'active'), device('alice', 'active'))).toBeNull();
    expect(targetDrift(device('alice', 'active'), device('bob', 'active'))).toMatch(/changed owner \(alice → bob\)/);
    expect(targetDrift(device('alice', 'active'), device('alice', 'wiped'))).toMatch(/active → wiped/);
    expect(targetDrift(device('alice', 'active'), device(null))).toMatch(/no longer exists/);
  });
});
