import { canonicalEmail } from '../../../policies/email';
import { fail, ok, type BackendResult, type Directory, type DirectoryUser } from '../types';
import { groupByName } from './groups';
import type { OktaHttp } from './http';
import { OKTA_USER_ID, quoted, toDirectoryUser, type OktaGroup, type OktaUser } from './users';

export interface OktaDirectoryOptions {
  /** OKTA_ADMIN_GROUP: its members are Sentinel admins. */
  adminGroup: string;
  /**
   * How long a person looked up stays known without asking Okta again (default 5 s): one request asks
   * who someone is several times (identity, the guard's target, the tool), and Okta's rate limits are
   * per org. A suspension or a removal from the admin group applies within this long. 0 = never cached.
   */
  cacheMs?: number;
  now?: () => number;
}

/**
 * Okta as Sentinel's directory. A person's Sentinel id is their Okta user id. Roles come from group
 * membership (`GET /api/v1/users/{id}/groups`), looked up on every call so that removing someone from
 * the admin group, or suspending them, takes effect at their next request.
 */
export function oktaDirectory(http: OktaHttp, opts: OktaDirectoryOptions): Directory {
  const isAdmin = async (userId: string): Promise<BackendResult<boolean>> => {
    const groups = await http.getAll<OktaGroup>(`/api/v1/users/${encodeURIComponent(userId)}/groups`);
    return groups.ok ? ok(groups.value.some((g) => g.profile.name === opts.adminGroup)) : groups;
  };

  const cacheMs = opts.cacheMs ?? 5000;
  const now = opts.now ?? Date.now;
  // Successful answers only, by the needle asked and by id; bounded.
  const cache = new Map<string, { at: number; user: DirectoryUser | null }>();
  const cached = (needle: string): DirectoryUser | null | undefined => {
    const hit = cache.get(needle);
    if (!hit) return undefined;
    if (now() - hit.at < cacheMs) return hit.user;
    cache.delete(needle);
    return undefined;
  };
  const remember = (needle: string, r: BackendResult<DirectoryUser | null>): BackendResult<DirectoryUser | null> => {
    if (!r.ok || cacheMs <= 0) return r;
    if (cache.size > 5000) cache.clear();
    cache.set(needle, { at: now(), user: r.value });
    if (r.value) cache.set(r.value.id, { at: now(), user: r.value });
    return r;
  };
  const forget = (userId: string) => {
    for (const [k, v] of cache) if (k === userId || v.user?.id === userId) cache.delete(k);
  };

  const withRole = async (u: OktaUser): Promise<BackendResult<DirectoryUser>> => {
    // Someone not ACTIVE has no rights whatever their groups: no need to ask.
    if (u.status !== 'ACTIVE') return ok(toDirectoryUser(u, false));
    const admin = await isAdmin(u.id);
    return admin.ok ? ok(toDirectoryUser(u, admin.value)) : admin;
  };

  /**
   * The one person a set of matches names: exactly one ACTIVE match, else (nobody ACTIVE) the only
   * match at all (inactive: no rights), else nobody.
   */
  const theOne = async (matches: OktaUser[]): Promise<BackendResult<DirectoryUser | null>> => {
    const active = matches.filter((u) => u.status === 'ACTIVE');
    const one = active.length === 1 ? active[0] : active.length === 0 && matches.length === 1 ? matches[0] : undefined;
    return one ? withRole(one) : ok(null);
  };

  const byEmail = async (raw: string): Promise<BackendResult<DirectoryUser | null>> => {
    const email = canonicalEmail(raw);
    if (email === null) return ok(null);
    const search = encodeURIComponent(`profile.email eq ${quoted(email)}`);
    const r = await http.getAll<OktaUser>(`/api/v1/users?search=${search}`);
    if (!r.ok) return r;
    // Okta compares ignoring case; Sentinel insists on the exact canonical address.
    return theOne(r.value.filter((u) => canonicalEmail(u.profile.email) === email));
  };

  const byId = async (id: string): Promise<BackendResult<DirectoryUser | null>> => {
    const r = await http.get<OktaUser>(`/api/v1/users/${encodeURIComponent(id)}`, { notFound: `Okta has no user ${id}.` });
    if (!r.ok) return r.error.code === 'not_found' ? ok(null) : r;
    return r.value ? withRole(r.value) : ok(null);
  };

  /** "Ivy Intern" or "ivy": the one ACTIVE person with that display name, or with that first name. */
  const byName = async (raw: string): Promise<BackendResult<DirectoryUser | null>> => {
    const name = raw.trim().toLowerCase().replace(/\s+/g, ' ');
    if (!name || name.length > 100 || /["\\]/.test(name)) return ok(null);
    const first = name.split(' ')[0]!;
    const r = await http.get<OktaUser[]>(`/api/v1/users?q=${encodeURIComponent(first)}&limit=50`);
    if (!r.ok) return r;
    const people = (r.value ?? []).filter((u) => u.status === 'ACTIVE');
    const full = (u: OktaUser) => (u.profile.displayName?.trim() || `${u.profile.firstName ?? ''} ${u.profile.lastName ?? ''}`.trim()).toLowerCase().replace(/\s+/g, ' ');
    const named = people.filter((u) => full(u) === name);
    if (named.length || name.includes(' ')) return named.length === 1 ? withRole(named[0]!) : ok(null);
    const firsts = people.filter((u) => (u.profile.firstName ?? '').trim().toLowerCase() === name);
    return firsts.length === 1 ? withRole(firsts[0]!) : ok(null);
  };

  const members = async (groupName: string): Promise<BackendResult<OktaUser[] | null>> => {
    const group = await groupByName(http, groupName);
    if (!group.ok) return group;
    if (!group.value) return ok(null);
    const r = await http.getAll<OktaUser>(`/api/v1/groups/${encodeURIComponent(group.value.id)}/users?limit=200`);
    return r.ok ? ok(r.value) : r;
  };

  const sent = new Map<string, { sentTo: string }>();

  return {
    async find(idOrEmail) {
      const needle = idOrEmail.trim();
      if (!needle) return ok(null);
      const key = needle.toLowerCase() === needle || OKTA_USER_ID.test(needle) ? needle : needle.toLowerCase();
      const hit = cached(key);
      if (hit !== undefined) return ok(hit);
      if (needle.includes('@')) return remember(key, await byEmail(needle));
      if (OKTA_USER_ID.test(needle)) return remember(key, await byId(needle));
      return remember(key, await byName(needle));
    },
    async listUsers(limit) {
      const r = await http.get<OktaUser[]>(`/api/v1/users?filter=${encodeURIComponent('status eq "ACTIVE"')}&limit=${Math.max(1, Math.min(limit, 200))}`);
      if (!r.ok) return r;
      const admins = await members(opts.adminGroup);
      if (!admins.ok) return admins;
      const adminIds = new Set((admins.value ?? []).map((u) => u.id));
      return ok((r.value ?? []).slice(0, limit).map((u) => toDirectoryUser(u, adminIds.has(u.id))));
    },
    async admins() {
      const r = await members(opts.adminGroup);
      if (!r.ok) return r;
      return ok((r.value ?? []).filter((u) => u.status === 'ACTIVE').map((u) => toDirectoryUser(u, true)));
    },
    async groupMembers(group) {
      const r = await members(group);
      if (!r.ok) return r;
      return ok(r.value ? r.value.filter((u) => u.status === 'ACTIVE').map((u) => u.id) : null);
    },
    async sendPasswordReset(userId, key) {
      // Same key, same reset, within this process (across a crash the execution journal never re-runs it).
      const done = sent.get(key);
      if (done) return ok(done);
      const user = await http.get<OktaUser>(`/api/v1/users/${encodeURIComponent(userId)}`, { notFound: `Okta has no user ${userId}.` });
      if (!user.ok) return user;
      if (!user.value || user.value.status !== 'ACTIVE') return fail('okta', 'not_found', 'That account is not active in Okta, so no reset link was sent: ask IT to look at it.');
      // sendEmail=true, always: Okta emails the link to the user, and Sentinel never sees it.
      const r = await http.request('POST', `/api/v1/users/${encodeURIComponent(user.value.id)}/lifecycle/reset_password?sendEmail=true`, {
        notFound: `Okta has no user ${userId}.`,
      });
      if (!r.ok) return r;
      // The account is in RECOVERY now (Okta's rule): whoever asks next gets a fresh answer.
      forget(user.value.id);
      const result = { sentTo: user.value.profile.email };
      sent.set(key, result);
      if (sent.size > 1000) sent.delete(sent.keys().next().value!);
      return ok(result);
    },
  };
}
