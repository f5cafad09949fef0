import { codedFailure, type HttpOutcome } from '../http';
import type { BackendResult } from '../types';

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
  return codedFailure(o, {
    backend: BACKEND,
    timeout: 'Jira did not answer in time: try again in a few minutes, or ask IT.',
    network: 'Sentinel could not reach Jira: try again later, or ask IT to check JIRA_BASE_URL.',
    unauthorized: "Jira refused Sentinel's token: ask IT to check JIRA_EMAIL and JIRA_API_TOKEN.",
    forbidden: `Jira does not let Sentinel's account ${ctx.doing} in project ${ctx.projectKey}: ask IT to give it that permission.`,
    notFound: `Jira has no project ${ctx.projectKey} that Sentinel can see: ask IT to check JIRA_PROJECT_KEY and JIRA_BASE_URL.`,
    rateLimited: 'Jira is limiting how often Sentinel may call it: try again in a few minutes.',
    failing: 'Jira is having problems right now: try again later, or ask IT.',
    refused: `Jira refused what Sentinel sent: ask IT to check the ${ctx.projectKey} project's required fields (details in Sentinel's log).`,
    refusedStatuses: [400],
    unexpected: (status) => `Jira answered with an unexpected error (HTTP ${status}): ask IT.`,
    detail: jiraDetail,
  });
}

/** Status and Jira's own error text, for IT's logs. */
export const jiraDetail = ({ status, body }: { status: number; body: unknown }) => `HTTP ${status}${jiraErrorText(body) ? `: ${jiraErrorText(body)}` : ''}`;
