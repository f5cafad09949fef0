import { appendAudit } from '../db/audit';
import { claimDueRevocations, dueWarnings, markRevoked, markRevokeFailed, markWarned, scheduleGrants, unscheduledGrants, type GrantScheduleRow } from '../db/grant-schedule';
import { ADMIN_NOTICES, enqueueHomeRefresh, enqueueOutbox } from '../db/outbox';
import { transact } from '../db/transact';
import type { BackendResult, Grant } from '../tools/backends/types';
import type { AgentDeps } from './deps';
import { coveredBy, endedNotice, retryDelayMs, revokeStuckNotice, revokeUnstuckNotice, TELL_ADMINS_AFTER_FAILURES, warnAtFor, warningNotice, warningStillUseful } from './grant-schedule';
import { ownerIsDead } from './process-owner';

export type GrantSweepDeps = Pick<AgentDeps, 'db' | 'backends' | 'logger' | 'now' | 'outboxFor'>;

export interface GrantSweepOptions {
  /** This process's name on the rows it claims (the runner's owner id). */
  owner: string;
  /** How long a claimed row is ours before another process may assume we died (wall clock; default 5 min, longer than any revocation). */
  claimMs?: number;
  /** Whether a claim's holder is a process that no longer exists (default: a dead process on this host). */
  isDead?: (owner: string) => boolean;
  /** At most this many grants adopted, warned, revoked per sweep (default 200); the rest wait for the next. */
  batch?: number;
}

export interface GrantSweepResult {
  /** Grants put on the schedule by this sweep. */
  scheduled: number;
  /** One-hour warnings written. */
  warned: number;
  /** Grants revoked by this sweep. */
  revoked: Grant[];
  /** Revocations the backend refused (each retried later, with backoff). */
  failed: number;
}

/**
 * One pass of the grant scheduler, in any process (the Slack app's and the REPL's per-minute sweep, each
 * CLI invocation): puts new grants on the schedule, warns an hour before a grant ends (once), and revokes
 * due grants through the configured Access backend, one at a time, each claimed first so that two
 * processes sweeping at once never revoke the same grant. A refused revocation is recorded with its error
 * and retried after a growing delay; a revocation is audited (`grant_revoked`, `grant_revoke_failed`)
 * and told in the thread the grant was asked for, through the outbox, under a key that makes it once.
 */
export async function sweepGrants(deps: GrantSweepDeps, opts: GrantSweepOptions): Promise<GrantSweepResult> {
  const batch = opts.batch ?? 200;
  const scheduled = adopt(deps, batch);
  const warned = await warn(deps, batch);
  const { revoked, failed } = await revokeDue(deps, opts, batch);
  return { scheduled, warned, revoked, failed };
}

/** Every grant the backends hold in force and the schedule does not yet, with its warning time. */
function adopt(deps: GrantSweepDeps, batch: number): number {
  const found = unscheduledGrants(deps.db, batch);
  return scheduleGrants(
    deps.db,
    found.map((g) => ({ ...g, warnAt: warnAtFor(g.grantedAt, g.revokeAt) })),
  );
}

/** The person's grants in force, to tell whether a newer one extends this one; null when the backend cannot say. */
async function grantsInForce(deps: GrantSweepDeps, row: GrantScheduleRow, at: number): Promise<Grant[] | null> {
  try {
    const r = await deps.backends.access.activeGrants(row.userId, at);
    return r.ok ? r.value : null;
  } catch {
    return null;
  }
}

const auditFields = (row: GrantScheduleRow) => ({ grant: row.grantId, user: row.userId, system: row.system, level: row.level });

/** The grantee's name as the directory gives it (admins read names, not Okta ids); null when it cannot say. */
async function nameOf(deps: GrantSweepDeps, userId: string): Promise<string | null> {
  try {
    const found = await deps.backends.directory.find(userId);
    return found.ok ? (found.value?.name ?? null) : null;
  } catch {
    return null;
  }
}

/** What a notice says about the grant; someone else's grant names them as the directory does (an Okta id means nothing to people). */
async function noticeFor(deps: GrantSweepDeps, row: GrantScheduleRow) {
  const base = { userId: row.userId, system: row.system, level: row.level, requester: row.requester, revokeAt: row.revokeAt };
  if (row.requester === null || row.requester === row.userId) return base;
  return { ...base, userName: await nameOf(deps, row.userId) };
}

/**
 * Tells the IT admins about a revocation that keeps failing, and again once it went through: outbox
 * `admin_notice` items under keys that make each once (the attempt count that triggers them is read and
 * bumped in the same transaction), audited, whatever transport delivers them. Inside the caller's transaction.
 */
function tellAdmins(deps: GrantSweepDeps, row: GrantScheduleRow, what: 'revoke_stuck' | 'revoke_unstuck', text: string, at: number): void {
  const key = `grant:${row.grantId}:${what}`;
  // The holder is the one left out (an admin is not told about their own access); whoever asked for it,
  // an admin granting someone else's, is told like any admin.
  if (!enqueueOutbox(deps.db, [{ kind: 'admin_notice', key, conversationId: ADMIN_NOTICES, body: { text, requester: row.userId } }], Date.now())) return;
  appendAudit(deps.db, { kind: what === 'revoke_stuck' ? 'grant_revoke_stuck' : 'grant_revoke_unstuck', actor: null, conversationId: row.conversationId, data: { ...auditFields(row), key, to: 'admins', text } }, at);
}

/** Writes a notice into the grant's thread, when a transport delivers that thread from the outbox. Inside the caller's transaction. */
function notify(deps: GrantSweepDeps, row: GrantScheduleRow, what: 'warned' | 'ended', text: string): boolean {
  if (!row.conversationId || !deps.outboxFor?.(row.conversationId)) return false;
  // Delivery timing is wall-clock (retries, claims), whatever clock the schedule runs on.
  enqueueOutbox(deps.db, [{ kind: 'reply', key: `grant:${row.grantId}:${what}`, conversationId: row.conversationId, body: { text, approvals: [] } }], Date.now());
  return true;
}

async function warn(deps: GrantSweepDeps, batch: number): Promise<number> {
  const { db } = deps;
  let warned = 0;
  for (const row of dueWarnings(db, deps.now(), batch)) {
    const at = deps.now();
    // Too late to warn (the app was down), extended by a newer grant, or no longer in force (revoked by
    // other means, or never made: Okta refused the PUT after the grant was scheduled): marked, not said.
    let say = warningStillUseful(row.revokeAt, at);
    if (say) {
      const inForce = await grantsInForce(deps, row, at);
      if (inForce && (!inForce.some((g) => g.id === row.grantId) || coveredBy(row, inForce, row.grantId))) say = false;
    }
    const text = say ? warningNotice(await noticeFor(deps, row), at) : '';
    const did = transact(db, () => {
      if (!markWarned(db, row.grantId, at)) return false;
      if (!say) return false;
      const told = notify(deps, row, 'warned', text);
      appendAudit(db, { kind: 'grant_expiry_warned', actor: null, conversationId: row.conversationId, data: { ...auditFields(row), ends_at: row.revokeAt, told } }, at);
      return true;
    });
    if (did) warned += 1;
  }
  return warned;
}

/** Grants claimed at a time: few, so a slow backend finishes them well within the claim (5 min). */
const CLAIM_AT_ONCE = 5;

async function revokeDue(deps: GrantSweepDeps, opts: GrantSweepOptions, batch: number): Promise<{ revoked: Grant[]; failed: number }> {
  const revoked: Grant[] = [];
  let failed = 0;
  // A grant is tried at most once per pass, even when its retry is due at once (the first one is).
  const tried = new Set<number>();
  while (tried.size < batch) {
    const wall = Date.now();
    const claimed = claimDueRevocations(deps.db, opts.owner, deps.now(), wall, wall + (opts.claimMs ?? 300_000), Math.min(CLAIM_AT_ONCE, batch - tried.size), opts.isDead ?? ownerIsDead, tried);
    if (!claimed.length) break;
    for (const row of claimed) tried.add(row.grantId);
    const r = await revokeClaimed(deps, opts, claimed);
    revoked.push(...r.revoked);
    failed += r.failed;
  }
  return { revoked, failed };
}

async function revokeClaimed(deps: GrantSweepDeps, opts: GrantSweepOptions, claimed: GrantScheduleRow[]): Promise<{ revoked: Grant[]; failed: number }> {
  const { db, logger } = deps;
  const revoked: Grant[] = [];
  let failed = 0;
  for (const row of claimed) {
    const at = deps.now();
    let result: BackendResult<Grant | null>;
    try {
      result = await deps.backends.access.revoke(row.grantId, at);
    } catch (err) {
      // A backend throwing is a bug; the grant must still end, so it is retried like any failure.
      logger.error({ err, grant: row.grantId }, 'the access backend threw while revoking a grant');
      result = { ok: false, error: { code: 'unavailable', message: err instanceof Error ? err.message : String(err), backend: 'unknown' } };
    }
    if (!result.ok) {
      const failures = row.attempts + 1;
      const next = at + retryDelayMs(failures);
      const { code, backend, detail } = result.error;
      logger.warn({ grant: row.grantId, backend, code, detail, attempt: failures, nextAttemptAt: new Date(next).toISOString() }, 'could not revoke an expired access grant; will retry');
      const lastError = `${backend} ${code}: ${result.error.message}`;
      // From the third failure on (the key makes it once; a grant already failing when this was deployed is told too).
      const stuck = failures >= TELL_ADMINS_AFTER_FAILURES ? revokeStuckNotice({ ...row, userName: await nameOf(deps, row.userId) }, failures, lastError, next) : null;
      transact(db, () => {
        if (!markRevokeFailed(db, row.grantId, opts.owner, lastError, next)) return;
        appendAudit(db, { kind: 'grant_revoke_failed', actor: null, conversationId: row.conversationId, data: { ...auditFields(row), attempt: failures, code, backend, next_attempt_at: next } }, at);
        if (stuck) tellAdmins(deps, row, 'revoke_stuck', stuck, at);
      });
      failed += 1;
      continue;
    }
    const grant = result.value;
    // Access another grant still gives (an extension) has not ended: nothing to tell.
    const inForce = grant ? await grantsInForce(deps, row, at) : null;
    const extended = !!inForce && coveredBy(row, inForce, row.grantId);
    const ended = grant && !extended ? endedNotice(await noticeFor(deps, row)) : null;
    // The admins were told it was stuck: they are told it is over (or that the backend had no such grant).
    const unstuck = row.attempts >= TELL_ADMINS_AFTER_FAILURES ? revokeUnstuckNotice({ ...row, userName: await nameOf(deps, row.userId) }, row.attempts + 1, grant !== null) : null;
    const did = transact(db, () => {
      if (!markRevoked(db, row.grantId, opts.owner, at)) return false;
      if (unstuck) tellAdmins(deps, row, 'revoke_unstuck', unstuck, at);
      // No such grant at the backend (its grant never happened, e.g. Okta refused the PUT): nothing ended.
      if (!grant) return false;
      const told = ended !== null && notify(deps, row, 'ended', ended);
      // The holder's (and the asker's) Home tab no longer lists it.
      enqueueHomeRefresh(db, [row.userId, row.requester], Date.now());
      appendAudit(db, { kind: 'grant_revoked', actor: null, conversationId: row.conversationId, data: { ...auditFields(row), attempts: row.attempts + 1, told, ...(extended ? { extended: true } : {}) } }, at);
      return true;
    });
    if (did && grant) revoked.push(grant);
  }
  return { revoked, failed };
}
