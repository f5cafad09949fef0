import { runEntryAsync } from '../support/processes';
import { tempDbPath } from '../support/harness';
import type { OktaServer } from '../support/okta-server';
import { oktaOrg } from './okta-world';

// End to end: the CLI as a child process with SENTINEL_IDENTITY=okta against the loopback Okta.

let okta: OktaServer;
let ids: Awaited<ReturnType<typeof oktaOrg>>['ids'];
beforeEach(async () => {
  ({ okta, ids } = await oktaOrg());
});
afterEach(() => okta.stop());

const cli = (as: string, text: string, env: Record<string, string> = {}) =>
  runEntryAsync('apps/cli/main.ts', ['--as', as, '--json', text], {
    SENTINEL_DB: tempDbPath(),
    SENTINEL_LLM: 'offline',
    SENTINEL_IDENTITY: 'okta',
    OKTA_ORG_URL: okta.url,
    OKTA_API_TOKEN: okta.token,
    ...env,
  });

test('"reset my password": Okta gets exactly one reset_password, with sendEmail=true, for that user', async () => {
  const r = await cli('alice@example.com', 'reset my password');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: true, output: expect.objectContaining({ user: ids.alice, sent_to: 'alice@example.com' }) })]);
  expect(out.reply).toMatch(/sent a password reset link to alice@example\.com/);
  const resets = okta.calls('POST', /\/lifecycle\/reset_password$/);
  expect(resets).toHaveLength(1);
  expect(resets[0]!.path).toBe(`/api/v1/users/${ids.alice}/lifecycle/reset_password`);
  expect(resets[0]!.query.get('sendEmail')).toBe('true');
  expect(okta.requests.every((q) => q.authorization === `SSWS ${okta.token}`)).toBe(true);
  // Nothing the bot says or stores carries a reset link.
  expect(r.stdout).not.toMatch(/reset_password\/|resetPasswordUrl/);
  // Requests to Okta for the whole turn (identity, planner, guard, tool, the CLI's hint), with the 5 s lookup cache.
  expect(okta.requests.length).toBeLessThanOrEqual(9);
});

test('someone not ACTIVE in Okta has no rights: nothing is reset', async () => {
  const r = await cli('olga@example.com', 'reset my password');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.executed ?? []).toEqual([]);
  expect(okta.calls('POST', /reset_password/)).toHaveLength(0);
});

test('an admin (Okta group member) resets someone else’s password; an employee may not', async () => {
  const admin = await cli('sam@example.com', 'reset the password for alice@example.com');
  expect(JSON.parse(admin.stdout).executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: true })]);
  const employee = await cli('intern@example.com', 'reset the password for sam@example.com');
  expect(JSON.parse(employee.stdout).executed ?? []).toEqual([]);
  expect(okta.calls('POST', /reset_password/).map((c) => c.path)).toEqual([`/api/v1/users/${ids.alice}/lifecycle/reset_password`]);
});

test('a token Okta refuses (401) is said in plain words, and the token is never printed', async () => {
  const r = await cli('alice@example.com', 'reset my password', { OKTA_API_TOKEN: '00wrongTokenValue1234567890' });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/Okta refused Sentinel's token: ask IT to check OKTA_API_TOKEN\./);
  expect(r.stdout + r.stderr).not.toContain('00wrongTokenValue1234567890');
  expect(okta.calls('POST', /reset_password/)).toHaveLength(0);
});
