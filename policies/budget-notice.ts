import type { Budget } from './schema';
import type { Decision } from './types';

/**
 * Telling the admins that an org-wide budget was reached, pure: when a notice is due, its dedupe key,
 * its words, and who it is for. Storing and delivering it are the caller's (the guard writes it to the
 * outbox with the decision; the Slack app delivers it).
 *
 * Once per window: the first time a budget is reached, the admins are told, and not again for that
 * budget until a whole window (`window_minutes`) has passed since that notice. The notice's key holds
 * the time it was given (the start of its window), so every process sharing the database finds it.
 */

/** What every notice key of `budgetId` starts with (the id is encoded, so no id is a prefix of another's keys). */
export const noticeKeyPrefix = (budgetId: string): string => `budget:${encodeURIComponent(budgetId)}:`;

/** The notice key of `budgetId` for the window that starts at `windowStart` (ms). */
export const noticeKey = (budgetId: string, windowStart: number): string => `${noticeKeyPrefix(budgetId)}${windowStart}`;

/** When the notice behind `key` was given (its window's start), or null for a key that is not one of `budgetId`'s. */
export function noticeTime(budgetId: string, key: string | null): number | null {
  const prefix = noticeKeyPrefix(budgetId);
  if (!key?.startsWith(prefix)) return null;
  const at = Number(key.slice(prefix.length));
  return Number.isSafeInteger(at) ? at : null;
}

/** Whether reaching `budget` at `now` is news: no notice yet, or the last one's window is over. */
export function noticeDue(budget: Budget, lastNoticeAt: number | null, now: number): boolean {
  return lastNoticeAt === null || now - lastNoticeAt >= budget.window_minutes * 60_000;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function windowWords(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? 'day' : `${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? 'hour' : `${minutes / 60} hours`;
  return plural(minutes, 'minute');
}

/** What a budget counts, in words: "execute_remote_command (command: wipe)", "actions". */
function counted(budget: Budget): string {
  const tools = budget.tools === '*' ? 'actions' : budget.tools.join(' / ');
  const when = Object.entries(budget.when ?? {}).map(([field, cond]) => `${field}: ${Array.isArray(cond) ? cond.map(String).join(' or ') : 'gt' in cond ? `> ${cond.gt}` : `≤ ${cond.lte}`}`);
  return when.length ? `${tools} (${when.join(', ')})` : tools;
}

/** What a reached budget now does to every further matching request. */
function consequence(budget: Budget): string {
  if (budget.then.effect === 'deny') return 'every further one is refused';
  const n = budget.then.approvals;
  return `every further one needs ${plural(n, 'approval')}`;
}

/**
 * The notice's text (plain; the transport escapes it): which budget, its limit, what reaching it does,
 * and the request that reached it.
 */
export function budgetNoticeText(budget: Budget, reached: { requester: string; what: string; decision: Decision['effect'] }): string {
  const window = windowWords(budget.window_minutes);
  const outcome = reached.decision === 'deny' ? 'it was refused' : 'it now waits for approval';
  return (
    `⚠️ Organisation-wide limit "${budget.id}" reached: ${budget.max} ${counted(budget)} per ${window}. ` +
    `${reached.requester} asked to ${reached.what}, and ${outcome}; ${budget.max === 0 ? 'the limit allows none, so' : `until fewer than ${budget.max} ran in the last ${window},`} ${consequence(budget)}. ` +
    `(Admins are told once per ${window} for this limit.)`
  );
}

/**
 * Who is told: the IT admins, routed like an admins' approval card (SENTINEL_APPROVALS_CHANNEL, else a
 * DM to each active admin); the requester who reached it is never among them (they were told in their
 * own thread). For policies/routing.ts's routeApproval with the requester as `requester`.
 */
export const NOTICE_AUDIENCE: Extract<Decision, { effect: 'require_approval' }> = {
  effect: 'require_approval',
  required: 'approver',
  approvers: 'admins',
  approvals: 1,
  reason: 'An organisation-wide limit was reached.',
  rule: 'budget-notice',
};
