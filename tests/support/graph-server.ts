import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { LoopbackVendor, sendJson, type InjectedFailure as VendorFailure, type RecordedRequest } from './vendor-server';

export type { RecordedRequest } from './vendor-server';

/**
 * Microsoft's identity platform and the Intune part of Microsoft Graph v1.0 on 127.0.0.1, with the
 * shapes of the published reference pages (microsoft-graph-docs-contrib, intune-devices-manageddevice-*):
 *
 * - `POST /login/{tenant}/oauth2/v2.0/token` (form: client_id, client_secret, scope `…/.default`,
 *   grant_type=client_credentials) → `{token_type: "Bearer", expires_in, ext_expires_in, access_token}`;
 *   OAuth errors as `{error, error_description: "AADSTS…", error_codes}`;
 * - `GET /v1.0/deviceManagement/managedDevices?$filter=…&$select=…` (`userPrincipalName eq '…'`,
 *   `deviceName eq '…'`, joined by `and`). Like Graph, an empty or missing `$filter` lists the whole
 *   tenant — and is recorded in `violations`, so a test fails if an adapter ever sends one;
 * - `GET /v1.0/deviceManagement/managedDevices/{id}`: the only answer with the device's action history
 *   (`deviceActionResults`), which a list leaves empty, as Graph does;
 * - `POST /v1.0/deviceManagement/managedDevices/{id}/remoteLock|rebootNow|wipe` → 204, queued: the
 *   device's `deviceActionResults` gets a `pending` entry until `complete()` is called.
 *
 * Graph errors are `{error: {code, message, innerError: {request-id, date}}}`; 429 carries
 * `Retry-After`. Every request is recorded; failures are injected with `fail()`.
 */

export interface DeviceActionResult {
  actionName: string;
  actionState: 'none' | 'pending' | 'canceled' | 'active' | 'done' | 'failed' | 'notSupported';
  startDateTime: string;
  lastUpdatedDateTime: string;
}

export interface ManagedDevice {
  id: string;
  deviceName: string;
  userPrincipalName: string;
  emailAddress: string;
  userDisplayName: string;
  operatingSystem: string;
  osVersion: string;
  model: string;
  manufacturer: string;
  serialNumber: string;
  complianceState: 'unknown' | 'compliant' | 'noncompliant' | 'conflict' | 'error' | 'inGracePeriod' | 'configManager';
  managedDeviceOwnerType: 'unknown' | 'company' | 'personal';
  lastSyncDateTime: string;
  enrolledDateTime: string;
  isEncrypted: boolean;
  jailBroken: string;
  freeStorageSpaceInBytes: number;
  totalStorageSpaceInBytes: number;
  deviceActionResults: DeviceActionResult[];
}

export interface InjectedFailure extends VendorFailure {
  /** Seconds; omitted on a 429 means Graph sent none (some Intune endpoints do that). */
  retryAfter?: number;
}

export interface GraphOptions {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Seconds a token lives (Entra: about an hour). */
  tokenLifetimeS?: number;
  /** Application permissions admin-consented for the app. */
  roles?: string[];
}

export const READ_ALL = 'DeviceManagementManagedDevices.Read.All';
export const PRIVILEGED = 'DeviceManagementManagedDevices.PrivilegedOperations.All';
const ACTIONS = { remoteLock: 'remoteLock', rebootNow: 'rebootNow', wipe: 'wipe' } as const;
const WIPE_KEYS = new Set(['keepEnrollmentData', 'keepUserData', 'macOsUnlockCode', 'persistEsimDataPlan', 'obliterationBehavior']);

export class LoopbackGraph extends LoopbackVendor<InjectedFailure> {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Things a well-behaved client must never do (an unfiltered device list); tests assert it stays empty. */
  readonly violations: string[] = [];
  readonly devices = new Map<string, ManagedDevice>();
  readonly tokens = new Map<string, number>();
  roles: Set<string>;
  tokenLifetimeS: number;

  private constructor(opts: GraphOptions) {
    super();
    this.tenantId = opts.tenantId ?? '3f1c9a52-7d1e-4c1a-9b8f-0a5e2d6c4b11';
    this.clientId = opts.clientId ?? '6e2b7c1d-5a4f-4e0b-8c3d-9f1a2b3c4d5e';
    this.clientSecret = opts.clientSecret ?? 'Q~8Q~loopback.client-secret_value';
    this.tokenLifetimeS = opts.tokenLifetimeS ?? 3599;
    this.roles = new Set(opts.roles ?? [READ_ALL, PRIVILEGED]);
  }

  static async start(opts: GraphOptions = {}): Promise<LoopbackGraph> {
    const g = new LoopbackGraph(opts);
    await g.listen();
    return g;
  }

  /** What GRAPH_API_URL is set to. */
  get graphUrl(): string {
    return `${this.origin}/v1.0`;
  }
  /** What GRAPH_LOGIN_URL is set to. */
  get loginUrl(): string {
    return `${this.origin}/login`;
  }

  /** Every token request so far. */
  tokenRequests(): RecordedRequest[] {
    return this.calls('POST', /\/oauth2\/v2\.0\/token$/);
  }

  addDevice(d: Partial<ManagedDevice> & { deviceName: string; userPrincipalName: string }): ManagedDevice {
    const now = new Date().toISOString();
    const device: ManagedDevice = {
      id: d.id ?? randomUUID(),
      deviceName: d.deviceName,
      userPrincipalName: d.userPrincipalName,
      emailAddress: d.emailAddress ?? d.userPrincipalName,
      userDisplayName: d.userDisplayName ?? d.userPrincipalName.split('@')[0]!,
      operatingSystem: d.operatingSystem ?? 'Windows',
      osVersion: d.osVersion ?? '10.0.22631.4460',
      model: d.model ?? 'Latitude 7440',
      manufacturer: d.manufacturer ?? 'Dell Inc.',
      serialNumber: d.serialNumber ?? randomBytes(4).toString('hex').toUpperCase(),
      complianceState: d.complianceState ?? 'compliant',
      managedDeviceOwnerType: d.managedDeviceOwnerType ?? 'company',
      lastSyncDateTime: d.lastSyncDateTime ?? now,
      enrolledDateTime: d.enrolledDateTime ?? now,
      isEncrypted: d.isEncrypted ?? true,
      jailBroken: d.jailBroken ?? 'Unknown',
      freeStorageSpaceInBytes: d.freeStorageSpaceInBytes ?? 200 * 2 ** 30,
      totalStorageSpaceInBytes: d.totalStorageSpaceInBytes ?? 512 * 2 ** 30,
      deviceActionResults: d.deviceActionResults ?? [],
    };
    this.devices.set(device.id, device);
    return device;
  }

  /** The device checked in and carried out its queued actions. */
  complete(id: string, state: DeviceActionResult['actionState'] = 'done'): void {
    const d = this.devices.get(id);
    if (!d) throw new Error(`no device ${id}`);
    const now = new Date().toISOString();
    for (const a of d.deviceActionResults) if (a.actionState === 'pending' || a.actionState === 'active') Object.assign(a, { actionState: state, lastUpdatedDateTime: now });
    d.lastSyncDateTime = now;
  }

  /** Remote actions received for a device, e.g. `actions(id, 'wipe')`. */
  actions(id: string, action?: keyof typeof ACTIONS): RecordedRequest[] {
    return this.calls('POST', new RegExp(`/managedDevices/${id}/${action ?? '(remoteLock|rebootNow|wipe)'}$`));
  }

  // ---- HTTP ----

  /** A form for the token endpoint, JSON elsewhere; a body that is neither is Symbol.for('bad-json'). */
  protected parseBody(rawBody: string, req: http.IncomingMessage): unknown {
    if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(rawBody));
    try {
      return JSON.parse(rawBody);
    } catch {
      return Symbol.for('bad-json');
    }
  }

  protected send(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    sendJson(res, status, payload, headers);
  }

  protected sendFailure(res: http.ServerResponse, f: InjectedFailure): void {
    const status = f.status!;
    const headers: Record<string, string> = {};
    if (f.retryAfter !== undefined) headers['Retry-After'] = String(f.retryAfter);
    const codes: Record<number, [string, string]> = {
      401: ['InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'],
      403: ['Forbidden', 'Application is not authorized to perform this operation.'],
      404: ['ResourceNotFound', 'Resource not found'],
      429: ['TooManyRequests', 'Too many requests from Identifier:managedDevices under category:DeviceManagement.'],
      503: ['serviceNotAvailable', 'The service is temporarily unavailable for maintenance or is overloaded.'],
      504: ['gatewayTimeout', 'The server, while acting as a proxy, did not receive a timely response.'],
    };
    const [code, message] = codes[status] ?? ['generalException', 'An unspecified error has occurred.'];
    this.send(res, status, graphError(code, message), headers);
  }

  protected route(r: RecordedRequest, url: URL): [number, unknown, Record<string, string>?] {
    const token = /^\/login\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(r.path);
    if (token) return r.method === 'POST' ? this.issueToken(decodeURIComponent(token[1]!), r) : [405, oauthError('invalid_request', 900561, 'The endpoint only accepts POST requests.')];
    if (!r.path.startsWith('/v1.0/')) return [404, graphError('BadRequest', `Resource not found for the segment '${r.path.split('/')[1] ?? ''}'.`)];
    const auth = /^Bearer (.+)$/.exec(r.headers.authorization ?? '');
    const expiry = auth ? this.tokens.get(auth[1]!) : undefined;
    if (!auth) return [401, graphError('InvalidAuthenticationToken', 'Access token is empty.')];
    if (expiry === undefined || expiry <= Date.now()) return [401, graphError('InvalidAuthenticationToken', 'Access token has expired or is not yet valid.')];
    const path = r.path.slice('/v1.0'.length);
    if (r.method === 'GET' && path === '/deviceManagement/managedDevices') return this.list(url);
    const one = /^\/deviceManagement\/managedDevices\/([^/]+)$/.exec(path);
    if (r.method === 'GET' && one) return this.getDevice(decodeURIComponent(one[1]!), url);
    const action = /^\/deviceManagement\/managedDevices\/([^/]+)\/([A-Za-z]+)$/.exec(path);
    if (r.method === 'POST' && action && action[2]! in ACTIONS) return this.act(decodeURIComponent(action[1]!), action[2] as keyof typeof ACTIONS, r.body);
    return [400, graphError('BadRequest', `Resource not found for the segment '${path.split('/').pop()}'.`)];
  }

  private issueToken(tenant: string, r: RecordedRequest): [number, unknown] {
    const b = (typeof r.body === 'object' && r.body ? r.body : {}) as Record<string, string>;
    if (!(r.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return [400, oauthError('invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.")];
    }
    if (tenant !== this.tenantId) return [400, oauthError('invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`)];
    if (b.grant_type !== 'client_credentials') return [400, oauthError('unsupported_grant_type', 70003, 'The app requested an unsupported grant type.')];
    if (b.client_id !== this.clientId) return [400, oauthError('unauthorized_client', 700016, `Application with identifier '${b.client_id ?? ''}' was not found in the directory '${tenant}'.`)];
    if (!b.client_secret) return [401, oauthError('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")];
    if (b.client_secret !== this.clientSecret) return [401, oauthError('invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.')];
    if (b.scope !== `${this.origin}/.default`) return [400, oauthError('invalid_scope', 1002012, `The provided value for scope ${b.scope ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`)];
    const access = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJyb2xlcyI6WyJsb29wYmFjayJdfQ.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(access, Date.now() + this.tokenLifetimeS * 1000);
    return [200, { token_type: 'Bearer', expires_in: this.tokenLifetimeS, ext_expires_in: this.tokenLifetimeS, access_token: access }];
  }

  private requireRole(...roles: string[]): [number, unknown] | null {
    if (roles.some((r) => this.roles.has(r))) return null;
    return [403, graphError('Forbidden', `Application is not authorized to perform this operation. Application must have one of the following scopes: ${roles.join(', ')}`)];
  }

  private list(url: URL): [number, unknown] {
    const denied = this.requireRole(READ_ALL, 'DeviceManagementManagedDevices.ReadWrite.All');
    if (denied) return denied;
    const filter = url.searchParams.get('$filter');
    let found = [...this.devices.values()];
    if (filter === null || filter.trim() === '') {
      // What real Graph does (it lists the whole tenant), and what Sentinel must never ask for.
      this.violations.push(`GET managedDevices with ${filter === null ? 'no' : 'an empty'} $filter`);
    } else {
      const clauses = parseFilter(filter);
      if (!clauses) return [400, graphError('BadRequest', `Invalid filter clause: ${filter}`)];
      for (const c of clauses) {
        if (c.value === '') this.violations.push(`GET managedDevices with an empty value for ${c.property}`);
      }
      found = found.filter((d) => clauses.every((c) => String(d[c.property]).toLowerCase() === c.value.toLowerCase()));
    }
    const select = selected(url);
    // As in Graph, a list leaves the action history empty: only GET …/managedDevices/{id} fills in
    // deviceActionResults (microsoftgraph/powershell-intune-samples#35, #252).
    const listed = found.map((d) => project({ ...d, deviceActionResults: [] }, select));
    return [200, { '@odata.context': `${this.graphUrl}/$metadata#deviceManagement/managedDevices`, '@odata.count': found.length, value: listed }];
  }

  private getDevice(id: string, url: URL): [number, unknown] {
    const denied = this.requireRole(READ_ALL, 'DeviceManagementManagedDevices.ReadWrite.All');
    if (denied) return denied;
    const d = this.devices.get(id);
    if (!d) return [404, graphError('ResourceNotFound', `{"_version": 3, "Message": "An error has occurred - Operation ID (for customer support): 00000000-0000-0000-0000-000000000000 - Activity ID: ${randomUUID()} - Url: ${this.graphUrl}/deviceManagement/managedDevices('${id}')"}`)];
    return [200, { '@odata.context': `${this.graphUrl}/$metadata#deviceManagement/managedDevices/$entity`, ...project(d, selected(url)) }];
  }

  private act(id: string, action: keyof typeof ACTIONS, body: unknown): [number, unknown] {
    const denied = this.requireRole(PRIVILEGED);
    if (denied) return denied;
    const d = this.devices.get(id);
    if (!d) return [404, graphError('ResourceNotFound', `Managed device ${id} was not found.`)];
    if (typeof body === 'symbol') return [400, graphError('BadRequest', 'Unable to read JSON request payload.')];
    if (action !== 'wipe' && body !== undefined) return [400, graphError('BadRequest', `${action} does not take a request body.`)];
    if (action === 'wipe' && body !== undefined) {
      const bad = Object.keys(body as object).find((k) => !WIPE_KEYS.has(k));
      if (bad) return [400, graphError('BadRequest', `The property '${bad}' does not exist on type 'microsoft.graph.wipe'.`)];
    }
    const now = new Date().toISOString();
    d.deviceActionResults.push({ actionName: ACTIONS[action], actionState: 'pending', startDateTime: now, lastUpdatedDateTime: now });
    return [204, undefined];
  }
}

function graphError(code: string, message: string) {
  return { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': randomUUID(), 'client-request-id': randomUUID() } } };
}

function oauthError(error: string, code: number, text: string) {
  const trace = randomUUID();
  return {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: ${trace} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`,
    error_codes: [code],
    timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z',
    trace_id: trace,
    correlation_id: randomUUID(),
    error_uri: 'https://login.microsoftonline.com/error?code=' + code,
  };
}

const FILTERABLE = ['userPrincipalName', 'deviceName', 'serialNumber', 'operatingSystem', 'id'] as const;
type Filterable = (typeof FILTERABLE)[number];

/** `prop eq 'value'` clauses joined by `and`; OData doubles a quote inside a string. Null when unsupported. */
function parseFilter(filter: string): Array<{ property: Filterable; value: string }> | null {
  const out: Array<{ property: Filterable; value: string }> = [];
  const re = /\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*(and\b|$)/iy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(filter))) {
    const property = FILTERABLE.find((p) => p.toLowerCase() === m![1]!.toLowerCase());
    if (!property) return null;
    out.push({ property, value: m[2]!.replace(/''/g, "'") });
    end = re.lastIndex;
    if (!m[3]) break;
  }
  return out.length && end === filter.length ? out : null;
}

function selected(url: URL): string[] | null {
  const s = url.searchParams.get('$select');
  return s ? s.split(',').map((x) => x.trim()).filter(Boolean) : null;
}

function project(d: ManagedDevice, select: string[] | null): Record<string, unknown> {
  if (!select) return { ...d };
  const out: Record<string, unknown> = {};
  for (const k of select) if (k in d) out[k] = d[k as keyof ManagedDevice];
  return out;
}
