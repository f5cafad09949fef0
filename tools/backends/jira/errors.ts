import { fail, type BackendResult } from '../types';
import type { HttpOutcome } from './http';

// Jira's answers as Sentinel's coded errors, in words a requester can read and IT can act on. The
// vendor's own text goes only into `detail` (IT's logs).

export const BACKEND = 'jira';

/** Jira's ErrorCollection (`{errorMessages: [...], errors: {field: message}}`) as one line. */
export function jiraErrorText(body: unknown): string {
  const b = (body ?? {}) as { errorMessages?: unknown; errors?: unknown };
  const parts: string[] = [];
  if (Array.isArray(b.errorMessages)) parts.push(...b.errorMessages.filter((m): m is string => typeof m === 'string'));
  if (b.errors && typeof b.errors === 'object') for (const [k, v] of Object.entries(b.errors)) if (typeof v === 'string') parts.push(`${k}: ${v}`);
  const text = parts.length ? parts.join('; ') : typeof body === 'string' ? body : '';
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

/** What a failed call means. `doing` completes "Jira does not let Sentinel …" ("open tickets"). */
export function jiraFailure<T>(o: HttpOutcome, ctx: { doing: string; projectKey: string }): BackendResult<T> {
  if (o.kind === 'timeout') return fail(BACKEND, 'unavailable', 'Jira did not answer in time: try again in a few minutes, or ask IT.', 'timeout');
  if (o.kind === 'network') return fail(BACKEND, 'unavailable', 'Sentinel could not reach Jira: try again later, or ask IT to check JIRA_BASE_URL.', o.cause);
  const { status, body } = o.response;
  const detail = `HTTP ${status}${jiraErrorText(body) ? `: ${jiraErrorText(body)}` : ''}`;
  if (status === 401) return fail(BACKEND, 'forbidden', "Jira refused Sentinel's token: ask IT to check JIRA_EMAIL and JIRA_API_TOKEN.", detail);
  if (status === 403) {
    return fail(BACKEND, 'forbidden', `Jira does not let Sentinel's account ${ctx.doing} in project ${ctx.projectKey}: ask IT to give it that permission.`, detail);
  }
  if (status === 404) return fail(BACKEND, 'not_found', `Jira has no project ${ctx.projectKey} that Sentinel can see: ask IT to check JIRA_PROJECT_KEY and JIRA_BASE_URL.`, detail);
  if (status === 429) return fail(BACKEND, 'rate_limited', 'Jira is limiting how often Sentinel may call it: try again in a few minutes.', detail);
  if (status >= 500) return fail(BACKEND, 'unavailable', 'Jira is having problems right now: try again later, or ask IT.', detail);
  if (status === 400) {
    return fail(BACKEND, 'conflict', `Jira refused what Sentinel sent: ask IT to check the ${ctx.projectKey} project's required fields (details in Sentinel's log).`, detail);
  }
  return fail(BACKEND, 'unavailable', `Jira answered with an unexpected error (HTTP ${status}): ask IT.`, detail);
}
