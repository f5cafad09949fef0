import { openSentinel, testClock } from '../support/harness';
import type { OktaServer } from '../support/okta-server';
import { oktaOrg } from './okta-world';

// Time-bound access with Okta through the running core: an approved request becomes membership of the
// group OKTA_ACCESS_GROUP names, and the sweep removes it when the grant expires.

const HOUR = 3_600_000;
let okta: OktaServer;
let ids: Awaited<ReturnType<typeof oktaOrg>>['ids'];
beforeEach(async () => {
  ({ okta, ids } = await oktaOrg());
});
afterEach(() => okta.stop());

test('an approved access request is a PUT into the Okta group; the sweep after expiry DELETEs it and audits the revocation', async () => {
  const clock = testClock(Date.parse('2026-12-03T08:00:00Z'));
  const s = openSentinel({ now: clock.now, env: { SENTINEL_IDENTITY: 'okta', OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: okta.token } });
  try {
    const intern = await s.identify('intern@example.com');
    expect(intern).toMatchObject({ id: ids.ivy, role: 'employee' });
    const asked = await s.runner.handleMessage('t-access', intern, 'I need read access to github for 2 hours');
    expect(asked.approvals).toEqual([expect.objectContaining({ status: 'pending' })]);
    expect(okta.calls('PUT', /./)).toHaveLength(0);

    const approved = await s.runner.decideApproval(asked.approvals[0]!.id, await s.identify('sam@example.com'), 'approve');
    expect(approved.executed).toEqual([expect.objectContaining({ tool: 'provision_access', ok: true, output: expect.objectContaining({ user: ids.ivy, system: 'github', level: 'read' }) })]);
    const gid = okta.groupId('sentinel-github-read')!;
    expect(okta.calls('PUT', /./).map((c) => c.path)).toEqual([`/api/v1/groups/${gid}/users/${ids.ivy}`]);
    expect(okta.membersOf('sentinel-github-read')).toEqual([ids.ivy]);

    const mine = await s.runner.handleMessage('t-mine', intern, 'what access do I have?');
    expect(mine.reply).toMatch(/github: read until 2026-12-03 10:00 UTC/);

    clock.advance(HOUR);
    expect(await s.runner.sweep()).toMatchObject({ revokedGrants: 0 });
    expect(okta.calls('DELETE', /./)).toHaveLength(0);
    clock.advance(2 * HOUR);
    expect(await s.runner.sweep()).toMatchObject({ revokedGrants: 1 });
    expect(okta.calls('DELETE', /./).map((c) => c.path)).toEqual([`/api/v1/groups/${gid}/users/${ids.ivy}`]);
    expect(okta.membersOf('sentinel-github-read')).toEqual([]);
    const audit = s.database.sqlite.prepare("select data from audit where kind = 'grant_revoked'").all() as Array<{ data: string }>;
    expect(audit.map((a) => JSON.parse(a.data))).toEqual([expect.objectContaining({ user: ids.ivy, system: 'github', level: 'read' })]);
  } finally {
    await s.close();
  }
});

test('Okta down during the sweep: the grant stays due and is revoked by a later sweep', async () => {
  const clock = testClock(Date.parse('2026-12-03T08:00:00Z'));
  const s = openSentinel({ now: clock.now, env: { SENTINEL_IDENTITY: 'okta', OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: okta.token } });
  try {
    const granted = await s.runner.handleMessage('t', await s.identify('sam@example.com'), 'give ivy read access to vpn for 1 hour');
    expect(granted.executed).toEqual([expect.objectContaining({ tool: 'provision_access', ok: true })]);
    clock.advance(2 * HOUR);
    okta.fail({ method: 'DELETE', status: 503, times: 3 });
    expect(await s.runner.sweep()).toMatchObject({ revokedGrants: 0 });
    expect(okta.membersOf('sentinel-vpn-read')).toEqual([ids.ivy]);
    expect(await s.runner.sweep()).toMatchObject({ revokedGrants: 1 });
    expect(okta.membersOf('sentinel-vpn-read')).toEqual([]);
  } finally {
    await s.close();
  }
});

test('Okta refusing the action itself (403 on the reset) is told to the user in plain words', async () => {
  const s = openSentinel({ env: { SENTINEL_IDENTITY: 'okta', OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: okta.token } });
  try {
    okta.fail({ method: 'POST', path: /reset_password$/, status: 403 });
    const r = await s.runner.handleMessage('t-403', await s.identify('alice@example.com'), 'reset my password');
    expect(r.executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: false, output: expect.objectContaining({ backend: { code: 'forbidden', backend: 'okta' } }) })]);
    expect(r.reply).toContain("Okta did not let Sentinel do this: ask IT to give OKTA_API_TOKEN's admin the okta.users.manage and okta.groups.manage permissions.");
    expect(okta.calls('POST', /reset_password/)).toHaveLength(1);
  } finally {
    await s.close();
  }
});
