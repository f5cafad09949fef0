import { createLogger } from '../../apps/logger';
import { nextLink, rateLimitWaitMs } from '../../tools/backends/okta/http';
import type { OktaServer } from '../support/okta-server';
import { oktaAdapter, oktaOrg } from './okta-world';

// The Okta adapter's wire behaviour against the loopback Okta: what it sends, what it never sends,
// how it waits and when it does not try again.

const T0 = Date.parse('2026-12-03T08:00:00Z');
const HOUR = 3_600_000;
let okta: OktaServer;
let ids: Awaited<ReturnType<typeof oktaOrg>>['ids'];
let adapter: ReturnType<typeof oktaAdapter>;
const lines: string[] = [];

beforeEach(async () => {
  ({ okta, ids } = await oktaOrg());
  lines.length = 0;
  adapter = oktaAdapter(okta, { logger: createLogger('debug', { write: (l: string) => void lines.push(l) }) });
});
afterEach(async () => {
  adapter.database.close();
  await okta.stop();
  // Whatever happened, no log line carried the token.
  expect(lines.join('\n')).not.toContain(okta.token);
});

test('a user is found by a profile.email search with the SSWS header; roles come from the user’s groups', async () => {
  const r = await adapter.directory.find('Sam@Example.com');
  expect(r).toEqual({ ok: true, value: { id: ids.sam, email: 'sam@example.com', name: 'Sam Okafor', role: 'admin', active: true } });
  const [search] = okta.calls('GET', /^\/api\/v1\/users$/);
  expect(search!.query.get('search')).toBe('profile.email eq "sam@example.com"');
  expect(search!.authorization).toBe(`SSWS ${okta.token}`);
  expect(okta.calls('GET', new RegExp(`^/api/v1/users/${ids.sam}/groups$`))).toHaveLength(1);
  expect(await adapter.directory.find('alice@example.com')).toMatchObject({ ok: true, value: { role: 'employee', active: true } });
  // By first name and by full name, when exactly one ACTIVE person has it.
  expect(await adapter.directory.find('ivy')).toMatchObject({ ok: true, value: { id: ids.ivy } });
  expect(await adapter.directory.find('Casey Tran')).toMatchObject({ ok: true, value: { id: ids.cto, role: 'admin' } });
});

test('not exactly one ACTIVE match is nobody; someone not ACTIVE has no rights, even in the admin group', async () => {
  okta.addUser({ email: 'twin@example.com', firstName: 'Twin', lastName: 'One' });
  okta.addUser({ email: 'twin@example.com', firstName: 'Twin', lastName: 'Two' });
  expect(await adapter.directory.find('twin@example.com')).toEqual({ ok: true, value: null });
  const boss = okta.addUser({ email: 'boss@example.com', firstName: 'Bo', lastName: 'Ss', groups: ['sentinel-admins'] });
  for (const status of ['SUSPENDED', 'DEPROVISIONED', 'LOCKED_OUT', 'STAGED'] as const) {
    okta.setStatus(boss, status);
    expect(await adapter.directory.find('boss@example.com')).toEqual({ ok: true, value: expect.objectContaining({ id: boss, active: false, role: 'guest' }) });
  }
  expect((await adapter.directory.admins()).ok && (await adapter.directory.admins())).toMatchObject({ value: expect.not.arrayContaining([expect.objectContaining({ id: boss })]) });
});

test('a password reset is one POST with sendEmail=true; never sendEmail=false, never a link back', async () => {
  const r = await adapter.directory.sendPasswordReset(ids.alice, 'key-1', T0);
  expect(r).toEqual({ ok: true, value: { sentTo: 'alice@example.com' } });
  const posts = okta.calls('POST', /\/lifecycle\/reset_password$/);
  expect(posts).toHaveLength(1);
  expect(posts[0]!.path).toBe(`/api/v1/users/${ids.alice}/lifecycle/reset_password`);
  expect(posts[0]!.query.get('sendEmail')).toBe('true');
  expect(okta.user(ids.alice)!.status).toBe('RECOVERY');
  // The same execution key again sends nothing more.
  await adapter.directory.sendPasswordReset(ids.alice, 'key-1', T0);
  expect(okta.calls('POST', /reset_password/)).toHaveLength(1);
  expect(okta.requests.some((q) => q.query.get('sendEmail') === 'false')).toBe(false);
});

test('a reset that got a 503 or no answer is not sent again (it may have happened); a 429 is, after X-Rate-Limit-Reset', async () => {
  okta.fail({ method: 'POST', status: 503 });
  expect(await adapter.directory.sendPasswordReset(ids.alice, 'k-503', T0)).toMatchObject({ ok: false, error: { code: 'unavailable', backend: 'okta' } });
  expect(okta.calls('POST', /reset_password/)).toHaveLength(1);

  const slow = oktaAdapter(okta, { timeoutMs: 300 });
  okta.fail({ method: 'POST', delayMs: 800 });
  expect(await slow.directory.sendPasswordReset(ids.ivy, 'k-slow', T0)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  expect(okta.calls('POST', new RegExp(`${ids.ivy}/lifecycle/reset_password`))).toHaveLength(1);
  slow.database.close();

  okta.fail({ method: 'POST', status: 429, resetInSeconds: 1 });
  const started = Date.now();
  expect(await adapter.directory.sendPasswordReset(ids.sam, 'k-429', T0)).toEqual({ ok: true, value: { sentTo: 'sam@example.com' } });
  const tries = okta.calls('POST', new RegExp(`${ids.sam}/lifecycle/reset_password`));
  expect(tries).toHaveLength(2);
  // The retry waited for the reset the 429 announced, and said it was one (as Okta's SDK does).
  expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(900);
  expect(Date.now() - started).toBeLessThan(5000);
});

test('a GET that got a 5xx is tried again with backoff; a rate limit that lasts ends as rate_limited', async () => {
  okta.fail({ method: 'GET', status: 500, times: 2 });
  expect(await adapter.directory.find('alice@example.com')).toMatchObject({ ok: true, value: { id: ids.alice } });
  expect(okta.calls('GET', /^\/api\/v1\/users$/)).toHaveLength(3);
  okta.fail({ status: 429, times: Infinity, resetInSeconds: 30 });
  const r = await adapter.directory.find('alice@example.com');
  expect(r).toMatchObject({ ok: false, error: { code: 'rate_limited', message: expect.stringMatching(/^Okta is limiting/) } });
});

test('401, 403 and 404 are coded errors a summary can show as they are', async () => {
  const wrong = oktaAdapter(okta, { token: 'not-the-token' });
  expect(await wrong.directory.find('alice@example.com')).toEqual({
    ok: false,
    error: expect.objectContaining({ code: 'forbidden', backend: 'okta', message: "Okta refused Sentinel's token: ask IT to check OKTA_API_TOKEN.", detail: expect.stringMatching(/HTTP 401 E0000011/) }),
  });
  wrong.database.close();
  okta.fail({ status: 403 });
  expect(await adapter.access.listSystems()).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/okta\.users\.manage and okta\.groups\.manage/) } });
  expect(await adapter.directory.sendPasswordReset('00u0000000000000000x', 'k-404', T0)).toMatchObject({ ok: false, error: { code: 'not_found' } });
});

test('access: PUT into the group the template names, DELETE when it expires, unless another grant still holds it', async () => {
  const read = { userId: ids.alice, system: 'github', level: 'read' as const, reason: 'review', grantedAt: T0, expiresAt: T0 + 2 * HOUR };
  expect(await adapter.access.grant(read, 'g-1')).toMatchObject({ ok: true });
  const gid = okta.groupId('sentinel-github-read')!;
  expect(okta.calls('PUT', /\/users\//).map((c) => c.path)).toEqual([`/api/v1/groups/${gid}/users/${ids.alice}`]);
  expect(okta.calls('GET', /^\/api\/v1\/groups$/)[0]!.query.get('q')).toBe('sentinel-github-read');
  expect(okta.membersOf('sentinel-github-read')).toEqual([ids.alice]);
  // A longer grant of the same group: when the first ends the membership stays.
  await adapter.access.grant({ ...read, grantedAt: T0 + HOUR, expiresAt: T0 + 5 * HOUR }, 'g-2');
  const first = await adapter.access.revokeExpired(T0 + 3 * HOUR);
  expect(first).toMatchObject({ ok: true, value: { failed: 0, revoked: [expect.objectContaining({ expiresAt: T0 + 2 * HOUR })] } });
  expect(okta.calls('DELETE', /./)).toHaveLength(0);
  expect(okta.membersOf('sentinel-github-read')).toEqual([ids.alice]);
  await adapter.access.revokeExpired(T0 + 6 * HOUR);
  expect(okta.calls('DELETE', /./).map((c) => c.path)).toEqual([`/api/v1/groups/${gid}/users/${ids.alice}`]);
  expect(okta.membersOf('sentinel-github-read')).toEqual([]);
});

test('access: a revocation Okta refuses stays due and is done on a later sweep; missing or imported groups are refused in words', async () => {
  await adapter.access.grant({ userId: ids.ivy, system: 'vpn', level: 'read', reason: 'travel', grantedAt: T0, expiresAt: T0 + HOUR }, 'g-v');
  okta.fail({ method: 'DELETE', status: 503, times: 3 });
  expect(await adapter.access.revokeExpired(T0 + 2 * HOUR)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  expect(okta.membersOf('sentinel-vpn-read')).toEqual([ids.ivy]);
  expect(await adapter.access.revokeExpired(T0 + 2 * HOUR)).toMatchObject({ ok: true, value: { revoked: [expect.objectContaining({ userId: ids.ivy })], failed: 0 } });
  expect(okta.membersOf('sentinel-vpn-read')).toEqual([]);

  expect(await adapter.access.grant({ userId: ids.ivy, system: 'jenkins', level: 'read', reason: 'x', grantedAt: T0, expiresAt: T0 + HOUR }, 'g-j')).toMatchObject({
    ok: false,
    error: { code: 'not_found', message: expect.stringMatching(/no group "sentinel-jenkins-read"/) },
  });
  expect(await adapter.access.grant({ userId: ids.ivy, system: 'ad-sync', level: 'read', reason: 'x', grantedAt: T0, expiresAt: T0 + HOUR }, 'g-ad')).toMatchObject({ ok: false, error: { code: 'conflict' } });
  // Nothing was scheduled for grants that did not happen.
  expect(await adapter.access.activeGrants(ids.ivy, T0)).toEqual({ ok: true, value: [] });
  expect(await adapter.access.listSystems()).toEqual({ ok: true, value: ['aws-prod', 'github', 'salesforce', 'vpn'] });
});

test('big groups are read page by page through Link headers', async () => {
  const many: string[] = [];
  for (let i = 0; i < 230; i++) many.push(okta.addUser({ email: `p${i}@example.com`, firstName: `P${i}`, lastName: 'X', groups: ['all-hands'] }));
  const r = await adapter.directory.groupMembers('all-hands');
  expect(r.ok && [...r.value!].sort()).toEqual(many.sort());
  expect(okta.calls('GET', /\/groups\/[^/]+\/users$/).length).toBe(2);
});

test('one person asked about several times within the cache window costs one lookup; a suspension shows after it', async () => {
  const cachedAdapter = oktaAdapter(okta, { cacheMs: 300 });
  for (let i = 0; i < 3; i++) expect(await cachedAdapter.directory.find('alice@example.com')).toMatchObject({ ok: true, value: { id: ids.alice, active: true } });
  expect(await cachedAdapter.directory.find(ids.alice)).toMatchObject({ ok: true, value: { id: ids.alice } });
  expect(okta.requests).toHaveLength(2); // the search and the groups, once
  okta.setStatus(ids.alice, 'SUSPENDED');
  await new Promise((r) => setTimeout(r, 350));
  expect(await cachedAdapter.directory.find('alice@example.com')).toMatchObject({ ok: true, value: { active: false, role: 'guest' } });
  // A reset forgets the person at once (Okta puts them in RECOVERY).
  await cachedAdapter.directory.find('sam@example.com');
  await cachedAdapter.directory.sendPasswordReset(ids.sam, 'k-c', T0);
  expect(await cachedAdapter.directory.find('sam@example.com')).toMatchObject({ ok: true, value: { active: false } });
  cachedAdapter.database.close();
});

test('rate-limit headers and Link headers are read as Okta writes them', () => {
  const at = Date.parse('2026-12-03T08:00:00Z');
  const h = (o: Record<string, string>) => new Headers(o);
  expect(rateLimitWaitMs(h({ 'x-rate-limit-reset': String(at / 1000 + 5), date: new Date(at).toUTCString() }))).toBe(6000);
  expect(rateLimitWaitMs(h({ 'x-rate-limit-reset': '1, 2' }))).toBeNull();
  expect(rateLimitWaitMs(h({ 'retry-after': '3' }))).toBe(3000);
  expect(nextLink('<https://o/api/v1/users?limit=2>; rel="self", <https://o/api/v1/users?after=00u2&limit=2>; rel="next"')).toBe('https://o/api/v1/users?after=00u2&limit=2');
  expect(nextLink('<https://o/api/v1/users?limit=2>; rel="self"')).toBeNull();
});
