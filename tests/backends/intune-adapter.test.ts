import { createLogger } from '../../apps/logger';
import { intuneDevices, type IntuneSettings } from '../../tools/backends/intune';
import { LoopbackGraph, PRIVILEGED, READ_ALL } from '../support/graph-server';

// The Intune adapter against the loopback identity platform and Graph: real fetch, real HTTP.

const lines: string[] = [];
const logger = createLogger('debug', { write: (l: string) => void lines.push(l) });
let graph: LoopbackGraph;

const settings = (over: Partial<IntuneSettings> = {}): IntuneSettings => ({
  tenantId: graph.tenantId,
  clientId: graph.clientId,
  clientSecret: graph.clientSecret,
  graphUrl: graph.graphUrl,
  loginUrl: graph.loginUrl,
  http: { timeoutMs: 400, maxRetries: 2, baseDelayMs: 10, maxDelayMs: 3000, logger },
  ...over,
});
const GiB = 2 ** 30;
const T0 = Date.now();

beforeEach(async () => {
  graph = await LoopbackGraph.start();
  lines.length = 0;
});
afterEach(async () => {
  // Never a request for the whole tenant, whatever the test did.
  expect(graph.violations).toEqual([]);
  const log = lines.join('\n');
  expect(log).not.toContain(graph.clientSecret);
  for (const token of graph.tokens.keys()) expect(log).not.toContain(token);
  await graph.close();
});

const alice = () =>
  graph.addDevice({
    id: '0f5e6c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b',
    deviceName: 'LAPTOP-ALICE-01',
    userPrincipalName: 'alice@example.com',
    manufacturer: 'Lenovo',
    model: 'ThinkPad T14',
    operatingSystem: 'Windows',
    osVersion: '10.0.22631.4460',
    freeStorageSpaceInBytes: 12 * GiB,
    totalStorageSpaceInBytes: 256 * GiB,
    complianceState: 'noncompliant',
    isEncrypted: false,
    lastSyncDateTime: new Date(T0 - 30 * 3_600_000).toISOString(),
  });

describe('sign-in', () => {
  test('client credentials with the .default scope; the token is cached and shared by concurrent calls', async () => {
    alice();
    const mdm = intuneDevices(settings());
    await Promise.all([mdm.get('LAPTOP-ALICE-01'), mdm.listByOwner({ id: 'alice', email: 'alice@example.com' }), mdm.get('LAPTOP-ALICE-01')]);
    await mdm.get('LAPTOP-ALICE-01');
    const tokens = graph.tokenRequests();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.path).toBe(`/login/${graph.tenantId}/oauth2/v2.0/token`);
    expect(tokens[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokens[0]!.body).toEqual({ client_id: graph.clientId, client_secret: graph.clientSecret, scope: `${graph.origin}/.default`, grant_type: 'client_credentials' });
    for (const r of graph.requests.filter((q) => q.path.startsWith('/v1.0/'))) expect(r.headers.authorization).toMatch(/^Bearer eyJ/);
  });

  test('renewed before it expires', async () => {
    graph.tokenLifetimeS = 1;
    alice();
    const mdm = intuneDevices(settings());
    await mdm.get('LAPTOP-ALICE-01');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await mdm.get('LAPTOP-ALICE-01')).ok).toBe(true);
    expect(graph.tokenRequests()).toHaveLength(2);
  });

  test('a token Graph no longer accepts is replaced once, and the call goes through', async () => {
    alice();
    const mdm = intuneDevices(settings());
    await mdm.get('LAPTOP-ALICE-01');
    graph.tokens.clear();
    const r = await mdm.get('LAPTOP-ALICE-01');
    expect(r.ok && r.value?.id).toBe('LAPTOP-ALICE-01');
    expect(graph.tokenRequests()).toHaveLength(2);
  });

  test.each([
    [{ clientSecret: 'Q~wrong-secret-value-123' }, /INTUNE_CLIENT_SECRET/],
    [{ clientId: '00000000-0000-0000-0000-000000000000' }, /INTUNE_CLIENT_ID and INTUNE_TENANT_ID/],
    [{ tenantId: 'contoso.example' }, /INTUNE_TENANT_ID/],
  ])('refused sign-in (%o): forbidden in plain words, nothing asked of Graph, no secret logged', async (over, message) => {
    const r = await intuneDevices(settings(over)).get('LAPTOP-ALICE-01');
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden', backend: 'intune', message: expect.stringMatching(message) }) });
    expect(graph.requests.filter((q) => q.path.startsWith('/v1.0/'))).toHaveLength(0);
    expect(lines.join('\n')).not.toContain('Q~wrong-secret-value-123');
  });
});

describe('finding devices', () => {
  test("a user's devices by userPrincipalName, with $select; never an empty filter", async () => {
    alice();
    graph.addDevice({ deviceName: 'PHONE-ALICE', userPrincipalName: 'alice@example.com', operatingSystem: 'iOS' });
    graph.addDevice({ deviceName: 'LAPTOP-BOB', userPrincipalName: 'bob@example.com' });
    const mdm = intuneDevices(settings());
    const r = await mdm.listByOwner({ id: 'alice', email: 'alice@example.com' });
    expect(r.ok && r.value.map((d) => d.id).sort()).toEqual(['LAPTOP-ALICE-01', 'PHONE-ALICE']);
    const [list] = graph.calls('GET', /\/managedDevices$/);
    expect(list!.query.$filter).toBe("userPrincipalName eq 'alice@example.com'");
    expect(list!.query.$select).toBe('id,deviceName,userPrincipalName');
    // The details, action history included, come from a GET by id (a list leaves the history empty).
    const reads = graph.calls('GET', /\/managedDevices\/[^/]+$/);
    expect(reads).toHaveLength(2);
    expect(reads[0]!.query.$select!.split(',')).toEqual(
      expect.arrayContaining(['complianceState', 'osVersion', 'freeStorageSpaceInBytes', 'totalStorageSpaceInBytes', 'lastSyncDateTime', 'isEncrypted', 'deviceActionResults']),
    );
    const before = graph.requests.length;
    for (const email of [null, undefined, '', '   ']) expect(await mdm.listByOwner({ id: 'ghost', email })).toEqual({ ok: true, value: [] });
    expect(await mdm.get('  ')).toEqual({ ok: true, value: null });
    expect(graph.requests.length).toBe(before);
  });

  test("a quote in an address is doubled, as OData wants", async () => {
    graph.addDevice({ deviceName: 'LAPTOP-OB', userPrincipalName: "o'brien@example.com" });
    const r = await intuneDevices(settings()).listByOwner({ id: 'ob', email: "o'brien@example.com" });
    expect(r.ok && r.value.map((d) => d.id)).toEqual(['LAPTOP-OB']);
    expect(graph.calls('GET', /\/managedDevices$/)[0]!.query.$filter).toBe("userPrincipalName eq 'o''brien@example.com'");
  });

  test('a device by name or by Intune id; diagnostics from the Graph fields', async () => {
    const d = alice();
    const mdm = intuneDevices(settings());
    const byName = await mdm.get('laptop-alice-01');
    expect(byName).toEqual({
      ok: true,
      value: {
        id: 'LAPTOP-ALICE-01',
        owner: null,
        ownerEmail: 'alice@example.com',
        model: 'Lenovo ThinkPad T14',
        osVersion: 'Windows 10.0.22631.4460',
        diskFreeGb: 12,
        diskTotalGb: 256,
        batteryHealthPct: null,
        lastCheckinAt: Date.parse(d.lastSyncDateTime),
        encrypted: false,
        firewall: null,
        compliant: false,
        status: 'active',
      },
    });
    expect(graph.calls('GET', /\/managedDevices$/)[0]!.query.$filter).toBe("deviceName eq 'laptop-alice-01'");
    const byId = await mdm.get(d.id);
    expect(byId.ok && byId.value).toMatchObject({ id: d.id, model: 'Lenovo ThinkPad T14' });
    expect(graph.calls('GET', new RegExp(`/managedDevices/${d.id}$`))).toHaveLength(2);
    expect(await mdm.get('LAPTOP-NOBODY')).toEqual({ ok: true, value: null });
    expect(await mdm.get('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee')).toEqual({ ok: true, value: null });
  });

  test('a name two devices share is refused, not guessed; the owner sees them by id', async () => {
    const a = graph.addDevice({ deviceName: 'DESKTOP-1', userPrincipalName: 'alice@example.com' });
    const b = graph.addDevice({ deviceName: 'DESKTOP-1', userPrincipalName: 'alice@example.com' });
    const mdm = intuneDevices(settings());
    const r = await mdm.get('DESKTOP-1');
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'conflict', message: expect.stringContaining(a.id) }) });
    const mine = await mdm.listByOwner({ id: 'alice', email: 'alice@example.com' });
    expect(mine.ok && mine.value.map((d) => d.id).sort()).toEqual([a.id, b.id].sort());
    const lock = await mdm.command('DESKTOP-1', 'lock', 'alice', 'k', T0);
    expect(lock.ok).toBe(false);
    expect(graph.actions(a.id)).toHaveLength(0);
  });

  test('reads are retried on 429 (with and without Retry-After) and 503', async () => {
    alice();
    graph.fail({ method: 'GET', path: /managedDevices/, status: 429 });
    graph.fail({ method: 'GET', path: /managedDevices/, status: 503, retryAfter: 1 });
    const r = await intuneDevices(settings()).get('LAPTOP-ALICE-01');
    expect(r.ok && r.value?.id).toBe('LAPTOP-ALICE-01');
    const lists = graph.calls('GET', /\/managedDevices$/);
    expect(lists).toHaveLength(3);
    expect(lists[2]!.at - lists[1]!.at).toBeGreaterThanOrEqual(950);
  });

  test('missing read permission: forbidden, naming the permission', async () => {
    graph.roles.delete(READ_ALL);
    const r = await intuneDevices(settings()).get('LAPTOP-ALICE-01');
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden', message: expect.stringContaining('DeviceManagementManagedDevices.Read.All') }) });
  });
});

describe('commands', () => {
  test('lock and restart: remoteLock / rebootNow without a body, 204 = requested (not done)', async () => {
    const d = alice();
    const mdm = intuneDevices(settings());
    const lock = await mdm.command('LAPTOP-ALICE-01', 'lock', 'alice', 'k1', T0);
    expect(lock).toEqual({ ok: true, value: expect.objectContaining({ deviceId: 'LAPTOP-ALICE-01', command: 'lock', state: 'requested', device: expect.objectContaining({ status: 'locked' }) }) });
    expect(graph.actions(d.id, 'remoteLock')).toHaveLength(1);
    expect(graph.actions(d.id, 'remoteLock')[0]!.rawBody).toBe('');
    // Already queued: not queued again.
    await mdm.command('LAPTOP-ALICE-01', 'lock', 'alice', 'k1', T0);
    expect(graph.actions(d.id, 'remoteLock')).toHaveLength(1);
    graph.complete(d.id);
    const restart = await mdm.command('LAPTOP-ALICE-01', 'restart', 'sam', 'k2', T0);
    expect(restart.ok && restart.value.state).toBe('requested');
    expect(graph.actions(d.id, 'rebootNow')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 5));
    graph.complete(d.id);
    expect(((await mdm.get(d.id)) as { value: { status: string } }).value.status).toBe('active');
  });

  test('wipe: one POST wipe with the documented body; a second wipe (same or new Sentinel) sends nothing', async () => {
    const d = alice();
    const first = await intuneDevices(settings()).command('LAPTOP-ALICE-01', 'wipe', 'sam', 'approval:apr_1', T0);
    expect(first).toEqual({ ok: true, value: expect.objectContaining({ state: 'requested', device: expect.objectContaining({ status: 'wiped' }) }) });
    expect(graph.actions(d.id, 'wipe').map((r) => r.body)).toEqual([{ keepEnrollmentData: false, keepUserData: false }]);
    // A restarted Sentinel (new adapter, no memory) retrying the same approval reads the history first.
    const again = await intuneDevices(settings()).command('LAPTOP-ALICE-01', 'wipe', 'sam', 'approval:apr_1', T0);
    expect(again.ok && again.value.state).toBe('requested');
    graph.complete(d.id);
    await intuneDevices(settings()).command(d.id, 'wipe', 'sam', 'approval:apr_2', T0);
    expect(graph.actions(d.id, 'wipe')).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/already queued or done; not sent again/);
    // Its owner's list shows it wiped, though Graph's list itself carries no action history.
    const mine = await intuneDevices(settings()).listByOwner({ id: 'alice', email: 'alice@example.com' });
    expect(mine.ok && mine.value.map((x) => [x.id, x.status])).toEqual([['LAPTOP-ALICE-01', 'wiped']]);
    // Nothing else goes to a wiped device.
    const lock = await intuneDevices(settings()).command(d.id, 'lock', 'sam', 'k3', T0);
    expect(lock).toEqual({ ok: false, error: expect.objectContaining({ code: 'conflict' }) });
    expect(graph.actions(d.id, 'remoteLock')).toHaveLength(0);
  });

  test('a wipe whose answer is lost after Intune queued it: history read, requested, never sent again', async () => {
    const d = alice();
    graph.fail({ method: 'POST', path: /\/wipe$/, status: 504, afterProcessing: true });
    const r = await intuneDevices(settings()).command('LAPTOP-ALICE-01', 'wipe', 'sam', 'k', T0);
    expect(r.ok && r.value.state).toBe('requested');
    expect(graph.actions(d.id, 'wipe')).toHaveLength(1);
  });

  test('a wipe answered 503 that shows nowhere in the history: reported, not sent a second time', async () => {
    const d = alice();
    graph.fail({ method: 'POST', path: /\/wipe$/, status: 503 });
    const r = await intuneDevices(settings()).command('LAPTOP-ALICE-01', 'wipe', 'sam', 'k', T0);
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'unavailable', message: expect.stringMatching(/sent nothing more/) }) });
    expect(graph.actions(d.id, 'wipe')).toHaveLength(1);
  });

  test('a throttled wipe (429, Retry-After) is sent again after the wait and a fresh look at the history', async () => {
    const d = alice();
    graph.fail({ method: 'POST', path: /\/wipe$/, status: 429, retryAfter: 1 });
    const r = await intuneDevices(settings()).command('LAPTOP-ALICE-01', 'wipe', 'sam', 'k', T0);
    expect(r.ok && r.value.state).toBe('requested');
    const posts = graph.actions(d.id, 'wipe');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(graph.devices.get(d.id)!.deviceActionResults.filter((a) => a.actionName === 'wipe')).toHaveLength(1);
  });

  test('a lock that failed (503) is sent again after the history shows none', async () => {
    const d = alice();
    graph.fail({ method: 'POST', path: /\/remoteLock$/, status: 503 });
    const r = await intuneDevices(settings()).command('LAPTOP-ALICE-01', 'lock', 'alice', 'k', T0);
    expect(r.ok && r.value.state).toBe('requested');
    expect(graph.actions(d.id, 'remoteLock')).toHaveLength(2);
    expect(graph.devices.get(d.id)!.deviceActionResults).toHaveLength(1);
  });

  test('no privileged-operations permission: forbidden, naming it; unknown device: not_found', async () => {
    alice();
    graph.roles.delete(PRIVILEGED);
    const r = await intuneDevices(settings()).command('LAPTOP-ALICE-01', 'wipe', 'sam', 'k', T0);
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden', message: expect.stringContaining('DeviceManagementManagedDevices.PrivilegedOperations.All') }) });
    const none = await intuneDevices(settings()).command('LAPTOP-NOBODY', 'lock', 'sam', 'k', T0);
    expect(none).toEqual({ ok: false, error: expect.objectContaining({ code: 'not_found' }) });
  });
});
