import { directoryFrom, eligible, routeApproval } from './routing';
import type { Decision } from './types';

const people = directoryFrom(
  [
    { id: 'intern', role: 'employee', active: true },
    { id: 'alice', role: 'employee', active: true },
    { id: 'cto', role: 'admin', active: true },
    { id: 'sam', role: 'admin', active: true },
    { id: 'old-admin', role: 'admin', active: false },
    { id: 'gone', role: 'employee', active: false },
  ],
  { groups: { 'it-leads': ['sam', 'alice', 'gone'] }, slackUsergroups: { S0SEC: ['cto', 'intern'] } },
);
const needs = (extra: Partial<Extract<Decision, { effect: 'require_approval' }>> = {}): Extract<Decision, { effect: 'require_approval' }> => ({
  effect: 'require_approval',
  required: 'approver',
  reason: 'r',
  rule: 'x',
  ...extra,
});

describe('routeApproval', () => {
  test('admins (the default): every active admin but the requester; DMs without a channel', () => {
    expect(routeApproval(needs(), 'intern', people)).toEqual({ approvers: ['cto', 'sam'], approvals: 1, delivery: { kind: 'dm', to: ['cto', 'sam'] } });
    expect(routeApproval(needs({ approvers: 'admins' }), 'sam', people)).toMatchObject({ approvers: ['cto'] });
  });

  test('users: the listed active users, never the requester', () => {
    const r = routeApproval(needs({ approvers: { users: ['alice', 'intern', 'gone', 'nobody'] } }), 'intern', people);
    expect(r.approvers).toEqual(['alice']);
    expect(eligible(r, 'alice')).toBe(true);
    expect(eligible(r, 'intern')).toBe(false);
    expect(eligible(r, 'sam')).toBe(false); // an admin not on the list
  });

  test('group and Slack user group: their active members; an unknown group is a problem', () => {
    expect(routeApproval(needs({ approvers: { group: 'it-leads' } }), 'intern', people).approvers).toEqual(['alice', 'sam']);
    expect(routeApproval(needs({ approvers: { slack_usergroup: 'S0SEC' } }), 'intern', people).approvers).toEqual(['cto']);
    expect(routeApproval(needs({ approvers: { group: 'nope' } }), 'intern', people)).toMatchObject({ approvers: [], problem: expect.stringMatching(/group "nope" is unknown/) });
  });

  test('where the card goes: the rule’s channel, else SENTINEL_APPROVALS_CHANNEL, else DMs', () => {
    expect(routeApproval(needs({ channel: 'C0RULE' }), 'intern', people, { approvalsChannel: 'C0ALL' }).delivery).toEqual({ kind: 'channel', channel: 'C0RULE' });
    expect(routeApproval(needs(), 'intern', people, { approvalsChannel: 'C0ALL' }).delivery).toEqual({ kind: 'channel', channel: 'C0ALL' });
    expect(routeApproval(needs({ approvers: { group: 'it-leads' } }), 'intern', people).delivery).toEqual({ kind: 'dm', to: ['alice', 'sam'] });
  });

  test('a quorum the eligible approvers cannot reach is named', () => {
    expect(routeApproval(needs({ approvals: 2 }), 'intern', people).problem).toBeUndefined();
    expect(routeApproval(needs({ approvals: 2 }), 'sam', people).problem).toMatch(/2 approvals needed but IT admins has only 1/);
    expect(routeApproval(needs({ approvers: { users: ['intern'] } }), 'intern', people).problem).toMatch(/has nobody other than the requester/);
  });

  test('a confirmation is the requester’s alone, in their own thread', () => {
    expect(routeApproval(needs({ required: 'requester' }), 'cto', people)).toEqual({ approvers: ['cto'], approvals: 1, delivery: { kind: 'requester', to: 'cto' } });
  });

  test('lookups are own-property only', () => {
    expect(routeApproval(needs({ approvers: { group: '__proto__' } }), 'intern', people).problem).toMatch(/unknown/);
    expect(routeApproval(needs({ approvers: { group: 'constructor' } }), 'intern', people).problem).toMatch(/unknown/);
  });
});
