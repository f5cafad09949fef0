import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FailureQueue, type InjectedFailure as VendorFailure } from './vendor-server';

/**
 * An Okta org on 127.0.0.1 that speaks the part of the Management API Sentinel uses, with the shapes of
 * Okta's published OpenAPI spec (okta-management-openapi-spec, management-minimal.yaml):
 *
 * - `GET /api/v1/users?search=profile.email eq "…"` | `?filter=status eq "ACTIVE"` | `?q=…`, `limit`,
 *   `after` → `User[]`, paged with `Link: <…>; rel="next"` headers (search/filter include every status;
 *   a plain list and `q` omit DEPROVISIONED, as Okta does);
 * - `GET /api/v1/users/{id or login}` → `User`; `GET /api/v1/users/{id}/groups` → `Group[]`;
 * - `POST /api/v1/users/{id}/lifecycle/reset_password?sendEmail=true` → 200 `{}` and the user goes to
 *   RECOVERY (with `sendEmail=false`: `{resetPasswordUrl}`, recorded so a test can prove it never happens);
 * - `GET /api/v1/groups?q=…` (name prefix, no paging) → `Group[]`; `GET /api/v1/groups/{id}/users`;
 * - `PUT` / `DELETE /api/v1/groups/{gid}/users/{uid}` → 204.
 *
 * Auth is `Authorization: SSWS <token>` (401 E0000011 otherwise). Errors are `{errorCode, errorSummary,
 * errorLink, errorId, errorCauses}`; every response carries `X-Rate-Limit-Limit/-Remaining/-Reset` and
 * `X-Okta-Request-Id`. Every request is recorded; failures are injected with `fail()`.
 */

export type OktaStatus = 'STAGED' | 'PROVISIONED' | 'ACTIVE' | 'RECOVERY' | 'PASSWORD_EXPIRED' | 'LOCKED_OUT' | 'SUSPENDED' | 'DEPROVISIONED';

export interface OktaUserSeed {
  id?: string;
  email: string;
  firstName: string;
  lastName: string;
  status?: OktaStatus;
  /** Names of the groups the user is in (created when missing). */
  groups?: string[];
}

export interface OktaGroupSeed {
  name: string;
  type?: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  description?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: string;
  at: number;
}

/** A failure before the work (the loopback Okta never answers late after acting). */
export interface InjectedFailure extends Omit<VendorFailure, 'afterProcessing'> {
  /** For 429: seconds from now sent as X-Rate-Limit-Reset (default 1). */
  resetInSeconds?: number;
}

interface User {
  id: string;
  status: OktaStatus;
  created: string;
  activated: string | null;
  statusChanged: string;
  lastLogin: string | null;
  lastUpdated: string;
  passwordChanged: string | null;
  type: { id: string };
  profile: { login: string; email: string; firstName: string; lastName: string; displayName: string; secondEmail: null; mobilePhone: null };
  credentials: { password: Record<string, never>; provider: { type: 'OKTA'; name: 'OKTA' } };
}

interface Group {
  id: string;
  created: string;
  lastUpdated: string;
  lastMembershipUpdated: string;
  objectClass: string[];
  type: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  profile: { name: string; description: string };
}

const ERRORS = {
  401: ['E0000011', 'Invalid token provided'],
  403: ['E0000006', 'You do not have permission to perform the requested action'],
  404: ['E0000007', 'Not found: Resource not found: {0} (User)'],
  405: ['E0000022', 'The endpoint does not support the provided HTTP method'],
  429: ['E0000047', 'API call exceeded rate limit due to too many requests.'],
  400: ['E0000001', 'Api validation failed: {0}'],
  500: ['E0000009', 'Internal Server Error'],
  503: ['E0000010', 'Service is temporarily unavailable'],
} as const;

const RATE_LIMIT = 600;
const PAGE_MAX = 200;

export class OktaServer {
  readonly requests: RecordedRequest[] = [];
  private readonly users = new Map<string, User>();
  private readonly groups = new Map<string, Group>();
  private readonly members = new Map<string, Set<string>>();
  private readonly failures = new FailureQueue<InjectedFailure>();
  private server: http.Server | null = null;
  private seq = 0;
  url = '';

  constructor(readonly token = 'test-okta-token-00Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8') {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  // ---- test set-up and inspection ----

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}${String(this.seq).padStart(4, '0')}${'Ab3dE5gH7jK9mN1pQ'.slice(0, 17 - 4)}`.slice(0, 20);
  }

  addGroup(g: OktaGroupSeed): string {
    const existing = [...this.groups.values()].find((x) => x.profile.name === g.name);
    if (existing) return existing.id;
    const now = new Date().toISOString();
    const id = this.id('00g');
    const type = g.type ?? 'OKTA_GROUP';
    this.groups.set(id, {
      id,
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      objectClass: [type === 'APP_GROUP' ? 'okta:windows_security_principal' : 'okta:user_group'],
      type,
      profile: { name: g.name, description: g.description ?? '' },
    });
    this.members.set(id, new Set());
    return id;
  }

  addUser(u: OktaUserSeed): string {
    const now = new Date().toISOString();
    const id = u.id ?? this.id('00u');
    const status = u.status ?? 'ACTIVE';
    this.users.set(id, {
      id,
      status,
      created: now,
      activated: status === 'STAGED' ? null : now,
      statusChanged: now,
      lastLogin: null,
      lastUpdated: now,
      passwordChanged: null,
      type: { id: 'oty1okta0000000000' },
      profile: { login: u.email, email: u.email, firstName: u.firstName, lastName: u.lastName, displayName: `${u.firstName} ${u.lastName}`, secondEmail: null, mobilePhone: null },
      credentials: { password: {}, provider: { type: 'OKTA', name: 'OKTA' } },
    });
    for (const name of u.groups ?? []) this.members.get(this.addGroup({ name }))!.add(id);
    return id;
  }

  setStatus(userId: string, status: OktaStatus): void {
    this.users.get(userId)!.status = status;
  }

  user(userId: string): User | undefined {
    return this.users.get(userId);
  }

  groupId(name: string): string | undefined {
    return [...this.groups.values()].find((g) => g.profile.name === name)?.id;
  }

  membersOf(name: string): string[] {
    const id = this.groupId(name);
    return id ? [...this.members.get(id)!].sort() : [];
  }

  fail(f: InjectedFailure): void {
    this.failures.add(f);
  }

  clearFailures(): void {
    this.failures.clear();
  }

  /** Recorded requests matching a method and a path pattern. */
  calls(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  // ---- the API ----

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      authorization: req.headers.authorization,
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now(),
    };
    this.requests.push(rec);
    const requestId = `req${this.requests.length}Xy${Date.now().toString(36)}`;
    const resetAt = Math.ceil(Date.now() / 1000) + 60;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Okta-Request-Id': requestId,
      'X-Rate-Limit-Limit': String(RATE_LIMIT),
      'X-Rate-Limit-Remaining': String(RATE_LIMIT - 1),
      'X-Rate-Limit-Reset': String(resetAt),
      Date: new Date().toUTCString(),
    };
    const send = (status: number, body?: unknown, extra: Record<string, string | string[]> = {}) => {
      if (res.destroyed) return;
      res.writeHead(status, { ...headers, ...extra });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const error = (status: keyof typeof ERRORS, summaryArg = '', causes: string[] = [], extra: Record<string, string> = {}) => {
      const [code, summary] = ERRORS[status];
      send(status, { errorCode: code, errorSummary: summary.replace('{0}', summaryArg), errorLink: code, errorId: `oae${requestId}`, errorCauses: causes.map((c) => ({ errorSummary: c })) }, extra);
    };

    const injected = this.failures.take(rec.method, rec.path);
    if (injected) {
      if (injected.delayMs) await new Promise((r) => setTimeout(r, injected.delayMs));
      if (injected.status === 429) {
        const reset = Math.ceil(Date.now() / 1000) + (injected.resetInSeconds ?? 1);
        return error(429, '', [], { 'X-Rate-Limit-Remaining': '0', 'X-Rate-Limit-Reset': String(reset) });
      }
      if (injected.status) return error(injected.status as keyof typeof ERRORS);
    }

    if (rec.authorization !== `SSWS ${this.token}`) return error(401);

    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'api' || parts[1] !== 'v1') return error(404, url.pathname);
    const [, , collection, id, sub, subId, action] = parts;
    const m = rec.method;

    if (collection === 'users') {
      if (!id && m === 'GET') return this.listUsers(url, send, error);
      const user = id ? this.users.get(id) ?? [...this.users.values()].find((u) => u.profile.login.toLowerCase() === id.toLowerCase()) : undefined;
      if (!user) return error(404, id ?? '');
      if (!sub && m === 'GET') return send(200, this.withLinks(user));
      if (sub === 'groups' && !subId && m === 'GET') {
        return send(200, [...this.groups.values()].filter((g) => this.members.get(g.id)!.has(user.id)));
      }
      if (sub === 'lifecycle' && subId === 'reset_password' && !action && m === 'POST') {
        if (user.status === 'STAGED' || user.status === 'DEPROVISIONED' || user.status === 'SUSPENDED') {
          return send(403, { errorCode: 'E0000038', errorSummary: "This operation is not allowed in the user's current status.", errorLink: 'E0000038', errorId: `oae${requestId}`, errorCauses: [] });
        }
        const sendEmail = url.searchParams.get('sendEmail');
        user.status = 'RECOVERY';
        user.statusChanged = new Date().toISOString();
        if (sendEmail === 'false') return send(200, { resetPasswordUrl: `${this.url}/reset_password/XE6wE17zmphl3KqAPFxO` });
        return send(200, {});
      }
      return error(405);
    }

    if (collection === 'groups') {
      if (!id && m === 'GET') {
        const q = (url.searchParams.get('q') ?? '').toLowerCase();
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 300) || 300, 10_000);
        return send(200, [...this.groups.values()].filter((g) => g.profile.name.toLowerCase().startsWith(q)).slice(0, limit));
      }
      const group = id ? this.groups.get(id) : undefined;
      if (!group) return error(404, id ?? '');
      if (!sub && m === 'GET') return send(200, group);
      if (sub === 'users' && !subId && m === 'GET') {
        const ids = [...this.members.get(group.id)!].sort();
        return this.page(url, ids.map((u) => this.users.get(u)!).filter(Boolean), send);
      }
      if (sub === 'users' && subId && (m === 'PUT' || m === 'DELETE')) {
        const user = this.users.get(subId);
        if (!user) return error(404, subId);
        if (group.type !== 'OKTA_GROUP') return error(400, 'group membership', [`Membership of a ${group.type} can only be changed by its source`]);
        if (m === 'PUT') this.members.get(group.id)!.add(user.id);
        // Removing someone who is not a member: Okta answers 404 E0000007.
        else if (!this.members.get(group.id)!.delete(user.id)) return error(404, subId);
        group.lastMembershipUpdated = new Date().toISOString();
        return send(204);
      }
      return error(405);
    }
    return error(404, url.pathname);
  }

  private withLinks(u: User) {
    return { ...u, _links: { self: { href: `${this.url}/api/v1/users/${u.id}` } } };
  }

  private listUsers(url: URL, send: (s: number, b?: unknown, h?: Record<string, string | string[]>) => void, error: (s: 400, arg: string) => void): void {
    let users = [...this.users.values()];
    const search = url.searchParams.get('search');
    const filter = url.searchParams.get('filter');
    const q = url.searchParams.get('q');
    if (search !== null) {
      // `profile.<attr> eq "<value>"`, Okta's SCIM-style expression; values compare ignoring case.
      const m = /^profile\.(email|login|firstName|lastName|displayName) eq "((?:[^"\\]|\\.)*)"$/.exec(search.trim());
      if (!m) return error(400, 'search');
      const attr = m[1] as 'email' | 'login' | 'firstName' | 'lastName' | 'displayName';
      const value = m[2]!.replace(/\\(.)/g, '$1').toLowerCase();
      users = users.filter((u) => u.profile[attr].toLowerCase() === value);
    } else if (filter !== null) {
      const m = /^status eq "([A-Z_]+)"$/.exec(filter.trim());
      if (!m) return error(400, 'filter');
      users = users.filter((u) => u.status === m[1]);
    } else {
      users = users.filter((u) => u.status !== 'DEPROVISIONED');
      if (q !== null) {
        const needle = q.toLowerCase();
        users = users.filter((u) => [u.profile.firstName, u.profile.lastName, u.profile.email].some((v) => v.toLowerCase().startsWith(needle)));
        return send(200, users.slice(0, Number(url.searchParams.get('limit') ?? 10) || 10).map((u) => this.withLinks(u)));
      }
    }
    this.page(url, users.map((u) => this.withLinks(u)), send);
  }

  /** Cursor paging as Okta does it: `after` is the last id of the previous page, `Link` headers point on. */
  private page<T extends { id: string }>(url: URL, items: T[], send: (s: number, b?: unknown, h?: Record<string, string | string[]>) => void): void {
    const limit = Math.max(1, Math.min(Number(url.searchParams.get('limit') ?? PAGE_MAX) || PAGE_MAX, PAGE_MAX));
    const after = url.searchParams.get('after');
    const start = after ? items.findIndex((i) => i.id === after) + 1 : 0;
    const page = items.slice(start, start + limit);
    const self = new URL(url.toString(), this.url);
    const links = [`<${self.toString()}>; rel="self"`];
    if (start + limit < items.length) {
      const next = new URL(url.toString(), this.url);
      next.searchParams.set('after', page[page.length - 1]!.id);
      next.searchParams.set('limit', String(limit));
      links.push(`<${next.toString()}>; rel="next"`);
    }
    // Two Link headers, as Okta sends them (fetch joins them with ", ").
    send(200, page, { Link: links });
  }
}
