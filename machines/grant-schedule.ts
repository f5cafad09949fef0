// What the grant schedule says is due, and what people are told: pure functions of a grant's times and
// Sentinel's clock (no database, no backend). machines/grant-sweeper.ts acts on them.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** How long before a grant ends its holder is warned; grants no longer than this get no warning. */
export const WARN_BEFORE_MS = HOUR;
/** Backoff between revocation attempts: the first retry at the next sweep, then 1 min doubling to this. */
export const MAX_RETRY_DELAY_MS = HOUR;

/** When to warn about a grant ending at `revokeAt`: an hour before, only for grants longer than an hour. */
export function warnAtFor(grantedAt: number, revokeAt: number): number | null {
  return revokeAt - grantedAt > WARN_BEFORE_MS ? revokeAt - WARN_BEFORE_MS : null;
}

/**
 * How long to wait after the `failures`-th failed revocation in a row: the next sweep (a blip, already
 * retried by the adapter, usually passes within the minute between sweeps), then 1, 2, 4 … minutes, at
 * most an hour. A grant is never given up on: access must end.
 */
export function retryDelayMs(failures: number): number {
  if (failures <= 1) return 0;
  return Math.min(MINUTE * 2 ** (failures - 2), MAX_RETRY_DELAY_MS);
}

/**
 * Whether a warning still makes sense at `now`: before the grant ends. A sweep that first sees a warning
 * after the grant ended (the app was down) skips it; the ended notice says enough.
 */
export function warningStillUseful(revokeAt: number, now: number): boolean {
  return now < revokeAt;
}

/** "10:00" (UTC) */
export function utcClock(at: number): string {
  return new Date(at).toISOString().slice(11, 16);
}

interface NoticeGrant {
  userId: string;
  /** The grantee's name as the directory gives it, for a grant someone asked for someone else. */
  userName?: string | null;
  system: string;
  level: string;
  requester: string | null;
  revokeAt: number;
}

/** "Your read access" for the person who asked for their own access; "alice's read access" otherwise. */
function whose(g: NoticeGrant): string {
  return g.requester === null || g.requester === g.userId ? 'Your' : `${g.userName || g.userId}'s`;
}

function inAbout(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / MINUTE));
  return minutes >= 50 ? 'in about an hour' : `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** The warning, posted once in the thread the grant was asked for in. */
export function warningNotice(g: NoticeGrant, now: number): string {
  const ask = g.requester === null || g.requester === g.userId ? 'Say "extend my access" to ask again.' : 'Ask again here to extend it.';
  return `${whose(g)} ${g.level} access to ${g.system} ends at ${utcClock(g.revokeAt)} UTC, ${inAbout(g.revokeAt - now)}. ${ask}`;
}

/** The notice once the grant is revoked. */
export function endedNotice(g: NoticeGrant): string {
  return `${whose(g)} ${g.level} access to ${g.system} has ended.`;
}

/**
 * After this many failed revocations in a row (due time, next sweep, a minute later: about three
 * minutes) the IT admins are told, once, that access which should have ended has not: retrying alone
 * can go on for hours while the person keeps the access.
 */
export const TELL_ADMINS_AFTER_FAILURES = 3;

/** For the IT admins: access that should have ended is still there, and why. */
export function revokeStuckNotice(g: NoticeGrant & { userName?: string | null }, failures: number, lastError: string, nextAttemptAt: number): string {
  return (
    `Access that should have ended is still in place: ${g.userName || g.userId}'s ${g.level} access to ${g.system} was due to end at ${utcClock(g.revokeAt)} UTC, ` +
    `and removing it has failed ${failures} times (last: ${lastError}). Sentinel keeps trying (next at ${utcClock(nextAttemptAt)} UTC); remove it by hand if it must end now.`
  );
}

/** For the IT admins, after they were told it was stuck: it is done now. */
export function revokeUnstuckNotice(g: NoticeGrant & { userName?: string | null }, attempts: number, removed: boolean): string {
  const who = `${g.userName || g.userId}'s ${g.level} access to ${g.system}`;
  return removed
    ? `Resolved: ${who} has now been removed (after ${attempts} attempts).`
    : `Resolved: ${who} is not in place any more (the access system no longer has that grant; after ${attempts} attempts).`;
}

const LEVELS = ['read', 'write', 'admin'];

/**
 * Whether another grant the person holds keeps this one's access beyond its end (an extension: a newer
 * grant of the same system at the same or a higher level, ending later). Then neither the warning nor the
 * ended notice is true, and neither is sent.
 */
export function coveredBy(g: { system: string; level: string; revokeAt: number }, others: Array<{ id: number; system: string; level: string; expiresAt: number }>, self: number): boolean {
  return others.some((o) => o.id !== self && o.system === g.system && LEVELS.indexOf(o.level) >= LEVELS.indexOf(g.level) && o.expiresAt > g.revokeAt);
}
