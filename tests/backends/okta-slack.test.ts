import { PEOPLE, slackFixture, type SlackFixture } from '../support/slack-fixture';
import type { OktaServer } from '../support/okta-server';
import { oktaOrg } from './okta-world';

// End to end through the Slack app (Bolt, in this process, against the loopback Slack) with Okta as
// the directory: Slack vouches for an email, Okta says who that is and what they may do.

let okta: OktaServer;
let ids: Awaited<ReturnType<typeof oktaOrg>>['ids'];
let f: SlackFixture | undefined;
beforeEach(async () => {
  ({ okta, ids } = await oktaOrg());
});
afterEach(async () => {
  await f?.close();
  f = undefined;
  await okta.stop();
});

const oktaEnv = () => ({ SENTINEL_IDENTITY: 'okta', OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: okta.token });

test('"reset my password" in a DM: one reset_password with sendEmail=true for the Okta user Slack’s email names', async () => {
  f = await slackFixture({ env: oktaEnv() });
  const asked = f.slack.dm(PEOPLE.alice.id, 'reset my password');
  const [reply] = await f.slack.replies(asked.channel, asked.ts);
  expect(reply!.text).toMatch(/sent a password reset link to alice@example\.com/);
  const resets = okta.calls('POST', /\/lifecycle\/reset_password$/);
  expect(resets.map((r) => [r.path, r.query.get('sendEmail')])).toEqual([[`/api/v1/users/${ids.alice}/lifecycle/reset_password`, 'true']]);
  expect(okta.calls('GET', /^\/api\/v1\/users$/).some((r) => r.query.get('search') === 'profile.email eq "alice@example.com"')).toBe(true);
});

test('a Slack user whose Okta account is suspended gets no rights: nothing is reset', async () => {
  okta.setStatus(ids.alice, 'SUSPENDED');
  f = await slackFixture({ env: oktaEnv() });
  const asked = f.slack.dm(PEOPLE.alice.id, 'reset my password');
  const [reply] = await f.slack.replies(asked.channel, asked.ts);
  expect(reply!.text).not.toMatch(/sent a password reset link/);
  expect(okta.calls('POST', /reset_password/)).toHaveLength(0);
});
