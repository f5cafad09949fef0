import { BACKEND_ERROR_CODES, type BackendResult, type Backends } from '../../tools/backends/types';

/**
 * One contract, every backend (tools/backends/CONTRACT.md). A test file per backend calls
 * `describeBackendContract(name, makeWorld)`; `makeWorld` builds a fresh world for each test — the
 * backends under test (embedded, or an adapter talking to its loopback server) and the facts it was
 * seeded with. Sections run for the backends a world provides; failure cases run when it can inject
 * failures (`failWith`).
 */
export interface ContractWorld {
  backends: Partial<Backends>;
  directory?: {
    /** An ACTIVE employee (not an admin) with devices, tickets… as the other sections need. */
    employee: { email: string };
    admin: { email: string };
    /** Someone the directory has but who is not active (suspended, deactivated). */
    inactive: { email: string };
    /** A directory group and the emails of its active members (policy `approvers: { group }`). */
    group?: { name: string; memberEmails: string[] };
  };
  devices?: {
    owner: { id: string; email: string };
    /** One of the owner's devices. */
    deviceId: string;
  };
  access?: {
    userId: string;
    /** A system the backend can grant (read level at least). */
    system: string;
  };
  tickets?: {
    requester: string;
  };
  /** Makes the backend's next calls fail as a vendor would (401, 429 without end, 503…). */
  failWith?(kind: 'forbidden' | 'rate_limited' | 'unavailable'): void;
  /** Ends what failWith started: the backend answers again. */
  heal?(): void;
  /** Every secret the world's configuration holds: none may appear in an error. */
  secrets?: string[];
  close(): Promise<void>;
}

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-03T08:00:00Z');

function value<T>(r: BackendResult<T>): T {
  if (!r.ok) throw new Error(`expected a value, got ${r.error.code}: ${r.error.message} (${r.error.detail ?? ''})`);
  return r.value;
}

function expectError(r: BackendResult<unknown>, code: (typeof BACKEND_ERROR_CODES)[number], secrets: string[] = []): void {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.code).toBe(code);
  // A sentence for people: no raw body, no secret.
  expect(r.error.message).toMatch(/^[A-Z].{10,300}[.!]$/s);
  expect(r.error.message).not.toMatch(/[{}]|errorCode|<html/i);
  for (const s of secrets) {
    expect(r.error.message).not.toContain(s);
    expect(r.error.detail ?? '').not.toContain(s);
  }
}

/** What a world provides: the sections that run (the others are reported as skipped, not passed). */
export type Covers = Array<'directory' | 'devices' | 'access' | 'tickets' | 'failures'>;

export function describeBackendContract(name: string, makeWorld: () => Promise<ContractWorld>, covers: Covers = ['directory', 'devices', 'access', 'tickets', 'failures']): void {
  const section = (s: Covers[number]) => (covers.includes(s) ? describe : describe.skip);
  const failing = covers.includes('failures') ? test : test.skip;
  describe(`backend contract: ${name}`, () => {
    let w: ContractWorld;
    beforeEach(async () => {
      w = await makeWorld();
    });
    afterEach(async () => {
      await w.close();
    });

    section('directory')('Directory', () => {
      const dir = () => {
        if (!w.backends.directory || !w.directory) return null;
        return { d: w.backends.directory, facts: w.directory };
      };

      test('finds an active employee by email, whatever its case', async () => {
        const x = dir();
        if (!x) return;
        const user = value(await x.d.find(x.facts.employee.email.toUpperCase()));
        expect(user).toMatchObject({ email: x.facts.employee.email, active: true, role: 'employee' });
        expect(user!.id).toEqual(expect.any(String));
        // The id finds the same person again.
        expect(value(await x.d.find(user!.id))).toMatchObject({ id: user!.id, email: x.facts.employee.email });
      });

      test('admins are admins, and listed by admins()', async () => {
        const x = dir();
        if (!x) return;
        const admin = value(await x.d.find(x.facts.admin.email));
        expect(admin).toMatchObject({ role: 'admin', active: true });
        const admins = value(await x.d.admins());
        expect(admins.map((a) => a.id)).toContain(admin!.id);
        expect(admins.every((a) => a.active && a.role === 'admin')).toBe(true);
        const employee = value(await x.d.find(x.facts.employee.email));
        expect(admins.map((a) => a.id)).not.toContain(employee!.id);
      });

      test('someone not active has no rights; nobody is null, not an error', async () => {
        const x = dir();
        if (!x) return;
        const inactive = value(await x.d.find(x.facts.inactive.email));
        expect(inactive === null || inactive.active === false).toBe(true);
        expect(value(await x.d.find('nobody-by-this-name@example.invalid'))).toBeNull();
        expect(value(await x.d.find('Zebediah Nonesuch'))).toBeNull();
      });

      test('listUsers lists active people only, at most the limit', async () => {
        const x = dir();
        if (!x) return;
        const users = value(await x.d.listUsers(50));
        expect(users.length).toBeGreaterThan(0);
        expect(users.length).toBeLessThanOrEqual(50);
        expect(users.every((u) => u.active)).toBe(true);
        expect(users.map((u) => u.email)).toContain(x.facts.employee.email);
        expect(value(await x.d.listUsers(1))).toHaveLength(1);
      });

      test('group members are active ids; an unknown group is null', async () => {
        const x = dir();
        if (!x?.facts.group) return;
        const ids = value(await x.d.groupMembers(x.facts.group.name));
        const expected = [];
        for (const e of x.facts.group.memberEmails) expected.push(value(await x.d.find(e))!.id);
        expect([...(ids ?? [])].sort()).toEqual(expected.sort());
        expect(value(await x.d.groupMembers('no-such-group-anywhere'))).toBeNull();
      });

      test('a password reset goes to the user’s own address; none for someone unknown or inactive', async () => {
        const x = dir();
        if (!x) return;
        const user = value(await x.d.find(x.facts.employee.email))!;
        expect(value(await x.d.sendPasswordReset(user.id, 'contract-reset-1', T0))).toEqual({ sentTo: x.facts.employee.email });
        // The same key again: the same answer.
        expect(value(await x.d.sendPasswordReset(user.id, 'contract-reset-1', T0))).toEqual({ sentTo: x.facts.employee.email });
        const inactive = value(await x.d.find(x.facts.inactive.email));
        if (inactive) expectError(await x.d.sendPasswordReset(inactive.id, 'contract-reset-2', T0), 'not_found');
      });

      failing('a refused credential, a rate limit and an outage are coded errors in plain words, without secrets', async () => {
        const x = dir();
        if (!x || !w.failWith) return;
        w.failWith('forbidden');
        expectError(await x.d.find(x.facts.employee.email), 'forbidden', w.secrets);
        w.failWith('rate_limited');
        expectError(await x.d.admins(), 'rate_limited', w.secrets);
        w.failWith('unavailable');
        expectError(await x.d.find(x.facts.admin.email), 'unavailable', w.secrets);
      });
    });

    section('devices')('Devices', () => {
      test('lists an owner’s devices by id or email, gets one, null for an unknown id', async () => {
        const m = w.backends.mdm;
        const f = w.devices;
        if (!m || !f) return;
        const mine = value(await m.listByOwner(f.owner));
        expect(mine.map((d) => d.id)).toContain(f.deviceId);
        const d = value(await m.get(f.deviceId))!;
        expect(d).toMatchObject({ id: f.deviceId, status: 'active' });
        expect(d.ownerEmail === null || d.ownerEmail.toLowerCase() === f.owner.email.toLowerCase()).toBe(true);
        expect(value(await m.get('NO-SUCH-DEVICE-999'))).toBeNull();
      });

      test('a lock is done or requested, once per key; an unknown device is not_found', async () => {
        const m = w.backends.mdm;
        const f = w.devices;
        if (!m || !f) return;
        const first = value(await m.command(f.deviceId, 'lock', f.owner.id, 'contract-lock-1', T0));
        expect(first).toMatchObject({ deviceId: expect.any(String), command: 'lock', state: expect.stringMatching(/^(done|requested)$/) });
        const again = value(await m.command(f.deviceId, 'lock', f.owner.id, 'contract-lock-1', T0));
        expect(again.state).toBe(first.state);
        expectError(await m.command('NO-SUCH-DEVICE-999', 'lock', f.owner.id, 'contract-lock-2', T0), 'not_found');
      });

      failing('failures are coded errors', async () => {
        const m = w.backends.mdm;
        const f = w.devices;
        if (!m || !f || !w.failWith) return;
        w.failWith('forbidden');
        expectError(await m.get(f.deviceId), 'forbidden', w.secrets);
        w.failWith('unavailable');
        expectError(await m.listByOwner(f.owner), 'unavailable', w.secrets);
      });
    });

    section('access')('Access', () => {
      test('systems: listed, known, unknown', async () => {
        const a = w.backends.access;
        const f = w.access;
        if (!a || !f) return;
        expect(value(await a.listSystems())).toContain(f.system);
        expect(value(await a.hasSystem(f.system))).toBe(true);
        expect(value(await a.hasSystem('no-such-system'))).toBe(false);
      });

      test('a grant is in force until it expires, once per key, and revokeExpired ends it', async () => {
        const a = w.backends.access;
        const f = w.access;
        if (!a || !f) return;
        const g = { userId: f.userId, system: f.system, level: 'read' as const, reason: 'contract', grantedAt: T0, expiresAt: T0 + 2 * HOUR };
        const grant = value(await a.grant(g, 'contract-grant-1'));
        expect(grant).toMatchObject({ userId: f.userId, system: f.system, level: 'read', expiresAt: T0 + 2 * HOUR, revokedAt: null });
        expect(value(await a.grant(g, 'contract-grant-1')).id).toBe(grant.id);
        expect(value(await a.activeGrants(f.userId, T0 + HOUR)).map((x) => x.id)).toEqual([grant.id]);
        expect(value(await a.revokeExpired(T0 + HOUR)).revoked).toEqual([]);
        const swept = value(await a.revokeExpired(T0 + 3 * HOUR));
        expect(swept.revoked.map((x) => x.id)).toEqual([grant.id]);
        expect(swept.failed).toBe(0);
        expect(value(await a.activeGrants(f.userId, T0 + HOUR))).toEqual([]);
      });

      test('revoke ends one grant now, answers a repeat as it is, leaves another grant of the same access in force, and knows no unknown grant', async () => {
        const a = w.backends.access;
        const f = w.access;
        if (!a || !f) return;
        const base = { userId: f.userId, system: f.system, level: 'read' as const, reason: 'contract', grantedAt: T0 };
        const first = value(await a.grant({ ...base, expiresAt: T0 + 2 * HOUR }, 'contract-revoke-1'));
        const second = value(await a.grant({ ...base, expiresAt: T0 + 4 * HOUR }, 'contract-revoke-2'));
        const ended = value(await a.revoke(first.id, T0 + HOUR));
        expect(ended).toMatchObject({ id: first.id, userId: f.userId, system: f.system });
        expect(ended?.revokedAt).not.toBeNull();
        // Idempotent: the scheduler may call again after a crash; the answer is the grant as revoked.
        const again = value(await a.revoke(first.id, T0 + HOUR + 1));
        expect(again).toMatchObject({ id: first.id });
        expect(again?.revokedAt).not.toBeNull();
        // The other grant of the same access is still in force (Okta: the group membership stays).
        expect(value(await a.activeGrants(f.userId, T0 + HOUR + 2)).map((x) => x.id)).toEqual([second.id]);
        expect(value(await a.hasSystem(f.system))).toBe(true);
        expect(value(await a.revoke(987_654_321, T0 + HOUR))).toBeNull();
        value(await a.revoke(second.id, T0 + HOUR + 3));
        expect(value(await a.activeGrants(f.userId, T0 + HOUR + 4))).toEqual([]);
      });

      failing('a refused revocation is a coded error and leaves the grant in force', async () => {
        const a = w.backends.access;
        const f = w.access;
        if (!a || !f || !w.failWith) return;
        const grant = value(await a.grant({ userId: f.userId, system: f.system, level: 'read', reason: 'contract', grantedAt: T0, expiresAt: T0 + 2 * HOUR }, 'contract-revoke-3'));
        w.failWith('unavailable');
        expectError(await a.revoke(grant.id, T0 + HOUR), 'unavailable', w.secrets);
        if (!w.heal) return;
        w.heal();
        expect(value(await a.activeGrants(f.userId, T0 + HOUR)).map((x) => x.id)).toEqual([grant.id]);
      });

      failing('failures are coded errors', async () => {
        const a = w.backends.access;
        const f = w.access;
        if (!a || !f || !w.failWith) return;
        w.failWith('forbidden');
        expectError(await a.listSystems(), 'forbidden', w.secrets);
        w.failWith('unavailable');
        expectError(await a.grant({ userId: f.userId, system: f.system, level: 'read', reason: 'contract', grantedAt: T0, expiresAt: T0 + HOUR }, 'contract-grant-2'), 'unavailable', w.secrets);
      });
    });

    section('tickets')('Tickets', () => {
      test('a created ticket has one of the backend’s keys, is found by it and listed for its requester, once per key', async () => {
        const t = w.backends.tickets;
        const f = w.tickets;
        if (!t || !f) return;
        expect(t.keyPattern.test(t.keyExample)).toBe(true);
        const created = value(await t.create({ requester: f.requester, summary: 'Contract test ticket', description: 'From the contract suite.', priority: 'medium' }, 'contract-ticket-1', T0));
        expect(created.id).toMatch(t.keyPattern);
        expect(created).toMatchObject({ requester: f.requester, summary: 'Contract test ticket', priority: 'medium', statusCategory: 'new' });
        expect(value(await t.create({ requester: f.requester, summary: 'Contract test ticket', description: 'From the contract suite.', priority: 'medium' }, 'contract-ticket-1', T0)).id).toBe(created.id);
        expect(value(await t.get(created.id))).toMatchObject({ id: created.id, requester: f.requester });
        expect(value(await t.get(created.id.toLowerCase()))).toMatchObject({ id: created.id });
        const listed = value(await t.listByRequester(f.requester, 20));
        expect(listed.filter((x) => x.id === created.id)).toHaveLength(1);
      });

      test('a key that is not the backend’s is null, not an error', async () => {
        const t = w.backends.tickets;
        if (!t || !w.tickets) return;
        expect(value(await t.get('ZZZQ-999999'))).toBeNull();
      });

      failing('failures are coded errors', async () => {
        const t = w.backends.tickets;
        if (!t || !w.tickets || !w.failWith) return;
        w.failWith('forbidden');
        expectError(await t.get(t.keyExample), 'forbidden', w.secrets);
        w.failWith('unavailable');
        expectError(await t.listByRequester(w.tickets.requester, 5), 'unavailable', w.secrets);
      });
    });
  });
}
