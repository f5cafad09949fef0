import { asksToExtend } from './extend-access';
import { offlinePlan } from './offline-planner';
import type { RequesterGrant } from './provider';

const intern = { id: 'intern', role: 'employee' as const, email: 'intern@example.com', name: 'Ivy Intern', devices: ['LAPTOP-INTERN-01'] };
const SYSTEMS = ['aws-prod', 'github', 'salesforce', 'vpn'];
const github: RequesterGrant = { system: 'github', level: 'read', hours: 2, hoursLeft: 1, active: true, until: '10:00 UTC' };
const aws: RequesterGrant = { system: 'aws-prod', level: 'admin', hours: 4, hoursLeft: 3, active: true, until: '12:00 UTC' };
const endedVpn: RequesterGrant = { system: 'vpn', level: 'write', hours: 8, hoursLeft: 0, active: false, until: '07:00 UTC' };
const plan = (message: string, grants: RequesterGrant[], dialogue: Parameters<typeof offlinePlan>[0]['dialogue'] = null) =>
  offlinePlan({ requester: intern, history: [], message, systemIds: SYSTEMS, people: [], grants, dialogue });
const args = (p: ReturnType<typeof plan>) => p.calls.map((c) => (c.name === 'provision_access' ? (({ reason: _r, ...a }) => a)(JSON.parse(c.arguments)) : c.name));

describe('"extend my access": the requester’s grant asked for again, at its level', () => {
  test('one grant in force: that system and level, as long as before, or the hours asked on top of what is left', () => {
    expect(args(plan('extend my access', [github]))).toEqual([{ user: 'intern', system: 'github', level: 'read', duration_hours: 2 }]);
    expect(args(plan('extend my github access', [github, aws]))).toEqual([{ user: 'intern', system: 'github', level: 'read', duration_hours: 2 }]);
    expect(args(plan('can I have aws-prod for 2 more hours', [github, aws]))).toEqual([{ user: 'intern', system: 'aws-prod', level: 'admin', duration_hours: 5 }]);
    expect(args(plan('please extend my access by 3 hours', [github]))).toEqual([{ user: 'intern', system: 'github', level: 'read', duration_hours: 4 }]);
    expect(args(plan('extend my access for another day', [github]))).toEqual([{ user: 'intern', system: 'github', level: 'read', duration_hours: 25 }]);
  });

  test('several in force: asks which, and the answer fills it in', () => {
    const which = plan('extend my access', [github, aws]);
    expect(which.calls).toEqual([]);
    expect(which.text).toBe('You have access to github (read, until 10:00 UTC) and aws-prod (admin, until 12:00 UTC). Which one should I extend?');
    expect(args(plan('aws-prod', [github, aws], which.dialogue))).toEqual([{ user: 'intern', system: 'aws-prod', level: 'admin', duration_hours: 4 }]);
    const more = plan('I need 2 more hours on my access', [github, aws]);
    expect(args(plan('github', [github, aws], more.dialogue))).toEqual([{ user: 'intern', system: 'github', level: 'read', duration_hours: 3 }]);
  });

  test('none in force: the one that ended last; none at all, or not that system: says so and proposes nothing', () => {
    expect(args(plan('extend my access', [endedVpn]))).toEqual([{ user: 'intern', system: 'vpn', level: 'write', duration_hours: 8 }]);
    const none = plan('extend my access', []);
    expect(none.calls).toEqual([]);
    expect(none.text).toMatch(/You have no access grant to extend/);
    const notThat = plan('can I have aws-prod for 2 more hours', [github]);
    expect(notThat.calls).toEqual([]);
    expect(notThat.text).toMatch(/You don't have access to aws-prod to extend/);
  });

  test('what is not an extension stays what it was', () => {
    expect(asksToExtend('the vpn takes longer to connect', SYSTEMS)).toBe(false);
    expect(asksToExtend('renew my vpn certificate', SYSTEMS)).toBe(false);
    expect(asksToExtend('extend my laptop warranty', SYSTEMS)).toBe(false);
    expect(plan('what access do I have?', [github]).calls.map((c) => c.name)).toEqual(['list_my_access']);
    expect(args(plan('I need read access to github for 8 hours', [github]))).toEqual([{ user: 'intern', system: 'github', level: 'read', duration_hours: 8 }]);
  });
});
