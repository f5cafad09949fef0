import type { Role } from '../../policies/types';

// The seam between Sentinel and the systems it acts on. Four backends — Directory, Devices, Access,
// Tickets — each chosen by configuration (embedded SQLite by default; Okta, Intune, Jira adapters). Every
// method returns a value: what it found or did, or a BackendError saying in plain words why not. A
// backend never throws for a failure of the system behind it (an exception is a bug, and the executor
// reports it as one). tools/backends/CONTRACT.md describes the contract for adapter writers.

// ---- Errors ----------------------------------------------------------------------------------------

/**
 * Why a backend could not answer or act:
 * - `not_found`: the thing acted on does not exist there (an unknown device id, a ticket key it never issued).
 * - `forbidden`: the backend refused Sentinel's credentials or their permissions (HTTP 401/403).
 * - `rate_limited`: still throttled after the adapter's own retries (HTTP 429).
 * - `unavailable`: the backend could not be reached, timed out, or failed (HTTP 5xx), after retries.
 * - `conflict`: the backend's state does not allow it (a wiped device, a group Sentinel may not change).
 */
export const BACKEND_ERROR_CODES = ['not_found', 'forbidden', 'rate_limited', 'unavailable', 'conflict'] as const;
export type BackendErrorCode = (typeof BACKEND_ERROR_CODES)[number];

export interface BackendError {
  code: BackendErrorCode;
  /**
   * One sentence a requester may read as it is: what went wrong and who can fix it ("Okta refused
   * Sentinel's token: ask IT to check OKTA_API_TOKEN."). Never a secret, a reset link or a raw body.
   */
  message: string;
  /** Which backend said so: 'embedded', 'okta', 'jira', 'intune'. */
  backend: string;
  /** For IT's logs only (the vendor's error code and request id); never shown to users. */
  detail?: string;
}

export type BackendResult<T> = { ok: true; value: T } | { ok: false; error: BackendError };

export const ok = <T>(value: T): BackendResult<T> => ({ ok: true, value });
export const fail = <T = never>(backend: string, code: BackendErrorCode, message: string, detail?: string): BackendResult<T> => ({
  ok: false,
  error: { code, message, backend, ...(detail ? { detail } : {}) },
});

/** The value, or `fallback` when the backend failed: for callers that must fail closed (identity, approver lists). */
export const valueOr = <T, F>(r: BackendResult<T>, fallback: F): T | F => (r.ok ? r.value : fallback);

// ---- Directory ------------------------------------------------------------------------------------

export interface DirectoryUser {
  /** Sentinel's id for the person: stable, what grants, tickets and the audit log name (an Okta user id, or the embedded directory's). */
  id: string;
  email: string;
  name: string;
  /** Rights Sentinel gives them; someone not active has none, whatever this says. */
  role: Role;
  active: boolean;
}

export interface Directory {
  /**
   * By id, by email (exact, ASCII case-insensitive), or by display name when exactly one active person
   * has it. `null` when nobody (or more than one person) matches: not an error.
   */
  find(idOrEmail: string): Promise<BackendResult<DirectoryUser | null>>;
  /** Up to `limit` active people, in the directory's order: for a persona prompt or a "known users" hint. */
  listUsers(limit: number): Promise<BackendResult<DirectoryUser[]>>;
  /** Active admins: who approval requests go to when no approvers' channel is set. */
  admins(): Promise<BackendResult<DirectoryUser[]>>;
  /** Active members' ids of a directory group (policy `approvers: { group }`); null when there is no such group. */
  groupMembers(group: string): Promise<BackendResult<string[] | null>>;
  /**
   * Sends the user a password reset link by email, to the address the directory has. The link goes
   * only to the user: it is never returned, logged or posted. `not_found` for an unknown or inactive id.
   * Not idempotent at the vendor: an adapter never retries it unless the call certainly did not happen.
   */
  sendPasswordReset(userId: string, key: string, now: number): Promise<BackendResult<{ sentTo: string }>>;
}

// ---- Devices (MDM) --------------------------------------------------------------------------------

export interface Device {
  id: string;
  /** The owner's directory id when the MDM knows Sentinel's ids (embedded); null otherwise (use ownerEmail). */
  owner: string | null;
  /** The owner's email / user principal name, when the MDM has one. */
  ownerEmail: string | null;
  model: string;
  osVersion: string;
  diskFreeGb: number;
  diskTotalGb: number;
  /** null when the MDM does not report it. */
  batteryHealthPct: number | null;
  lastCheckinAt: number;
  encrypted: boolean;
  /** null when the MDM does not report it. */
  firewall: boolean | null;
  /** The MDM's compliance verdict; null when it has none. */
  compliant: boolean | null;
  status: 'active' | 'locked' | 'wiped';
}

export type RemoteCommand = 'lock' | 'restart' | 'wipe';

/** What became of a remote command: `done` (the backend applied it) or `requested` (queued for the device, e.g. Intune's 204). */
export interface CommandReceipt {
  deviceId: string;
  command: RemoteCommand;
  state: 'done' | 'requested';
  /** The device as the backend reports it after the command; null if it cannot say. */
  device: Device | null;
}

export interface Devices {
  /** `null` when there is no such device. */
  get(deviceId: string): Promise<BackendResult<Device | null>>;
  /** A person's devices; adapters look them up by email (never with an empty filter). */
  listByOwner(owner: { id: string; email?: string | null }): Promise<BackendResult<Device[]>>;
  /**
   * Sends a command. The same `key` twice does not act twice (the embedded MDM records it; an adapter
   * checks the device's action history before re-sending a wipe). `not_found` for an unknown device,
   * `conflict` for a device that cannot take it (wiped).
   */
  command(deviceId: string, command: RemoteCommand, requestedBy: string, key: string, now: number): Promise<BackendResult<CommandReceipt>>;
}

// ---- Access ---------------------------------------------------------------------------------------

export type AccessLevel = 'read' | 'write' | 'admin';

export interface Grant {
  id: number;
  userId: string;
  system: string;
  level: AccessLevel;
  reason: string;
  grantedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface Access {
  hasSystem(system: string): Promise<BackendResult<boolean>>;
  listSystems(): Promise<BackendResult<string[]>>;
  /**
   * Grants `g` until `g.expiresAt` (every grant is time-bound). Same key, same grant. `not_found` when the
   * user or the system's group does not exist at the backend.
   */
  grant(g: Omit<Grant, 'id' | 'revokedAt'>, key: string): Promise<BackendResult<Grant>>;
  /** A user's grants that are in force at `now` (not revoked, not expired), soonest expiry first. */
  activeGrants(userId: string, now: number): Promise<BackendResult<Grant[]>>;
  /**
   * Revokes every grant whose expiry has passed; returns what it revoked. A revocation the backend
   * refused stays due and is tried again on the next call (`failed` counts them).
   */
  revokeExpired(now: number): Promise<BackendResult<{ revoked: Grant[]; failed: number }>>;
  /**
   * Ends one grant now (Sentinel's grant scheduler calls it when the grant is due): the grant as revoked,
   * or `null` when the backend has no such grant. Idempotent: a grant already revoked is answered as it
   * is, and access another grant still in force gives (Okta: the same group) stays. A failure leaves the
   * grant in force; the scheduler tries again later.
   */
  revoke(grantId: number, now: number): Promise<BackendResult<Grant | null>>;
}

// ---- Tickets --------------------------------------------------------------------------------------

export type Priority = 'low' | 'medium' | 'high' | 'urgent';

/** Where a ticket is in its life, whatever the backend calls its status (Jira's status categories). */
export type TicketStatusCategory = 'new' | 'in_progress' | 'done';

export interface Ticket {
  /** The backend's key, e.g. IT-1042. */
  id: string;
  requester: string;
  summary: string;
  description: string;
  priority: Priority;
  /** The backend's own status name ("in_progress", "Waiting for support"). */
  status: string;
  statusCategory: TicketStatusCategory;
  assignee: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * Where a ticket was asked for, so IT can read the conversation: `text` in words ("the Slack thread
 * started … in channel C0…", "CLI thread t-1"), `url` a link to it when one is known (a Slack permalink).
 */
export interface TicketThread {
  text: string;
  url?: string | null;
}

export interface Tickets {
  /** What this backend's ticket keys look like: anchored, case-insensitive (embedded: IT-\d{1,9}). */
  readonly keyPattern: RegExp;
  /** One key to show people ("IT-1042"). */
  readonly keyExample: string;
  /**
   * Same key, same ticket: a retried create never opens a second one. `thread`: where it was asked for
   * (a backend that can show it links it: Jira's description; the embedded one keeps only the description).
   */
  create(t: Pick<Ticket, 'requester' | 'summary' | 'description' | 'priority'> & { thread?: TicketThread }, key: string, now: number): Promise<BackendResult<Ticket>>;
  /** `null` when there is no such ticket (or the key is not this backend's). */
  get(ticketId: string): Promise<BackendResult<Ticket | null>>;
  /** Tickets a user opened, most recently updated first (at most `limit`). */
  listByRequester(userId: string, limit: number): Promise<BackendResult<Ticket[]>>;
}

/**
 * Any backend's ticket key shape (a project key, a dash, a number): what the tool schema accepts before
 * the configured backend says whether it is one of its keys.
 */
export const ANY_TICKET_KEY = /^[A-Za-z][A-Za-z0-9_]{0,9}-\d{1,9}$/;

// ---- The bundle -----------------------------------------------------------------------------------

/** The systems Sentinel acts on. Every mutating call takes the execution's idempotency key. */
export interface Backends {
  directory: Directory;
  mdm: Devices;
  access: Access;
  tickets: Tickets;
}
