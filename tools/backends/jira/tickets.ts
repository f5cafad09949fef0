import { ok, type BackendResult, type Ticket, type Tickets } from '../types';
import { jiraClient, type JiraSettings } from './client';
import { describeIssue } from './description';
import { BACKEND, jiraFailure } from './errors';
import { backoffMs, DEFAULT_HTTP, logged, type HttpOutcome } from '../http';
import { ISSUE_FIELDS, jiraPriority, toTicket, type JiraIssueJson } from './issue';
import { keyLabel, requesterLabel, SENTINEL_LABEL } from './labels';

/** Whether Jira's 400 names `field` as one it cannot set (not on the create screen). */
const refusesField = (body: unknown, field: string) => {
  const errors = (body as { errors?: Record<string, unknown> } | undefined)?.errors;
  return !!errors && typeof errors[field] === 'string' && /cannot be set|not on the appropriate screen/i.test(errors[field] as string);
};

/** A JQL string literal. */
const q = (s: string) => `"${s.replace(/[\\"]/g, '\\$&')}"`;
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const succeeded = (o: HttpOutcome, status: number) => o.kind === 'response' && o.response.status === status;

/**
 * Tickets in a Jira Cloud project. A create first looks its idempotency label up, so the same key
 * never opens a second issue; a create whose answer was lost (timeout, 5xx) or throttled is tried again
 * only after that lookup, never blindly.
 */
export function jiraTickets(s: JiraSettings): Tickets {
  const call = jiraClient(s);
  const project = s.projectKey;
  const http = { ...DEFAULT_HTTP, ...s.http };
  const sleep = http.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = http.logger;
  const indexLagMs = s.indexLagMs ?? 2_000;
  const keyPattern = new RegExp(`^${escapeRe(project)}-\\d{1,9}$`, 'i');

  async function search(jql: string, limit: number, what: string): Promise<BackendResult<Ticket[]>> {
    const o = await call('POST', '/rest/api/3/search/jql', { jql, fields: ISSUE_FIELDS, maxResults: limit }, 'read', what);
    if (!succeeded(o, 200) || o.kind !== 'response') return logged(jiraFailure(o, { doing: 'search issues', projectKey: project }), log, what);
    const issues = ((o.response.body as { issues?: JiraIssueJson[] } | undefined)?.issues ?? []).map((i) => toTicket(i, project));
    return ok(issues.filter((t): t is Ticket => t !== null));
  }

  async function get(ticketId: string): Promise<BackendResult<Ticket | null>> {
    const key = ticketId.trim().toUpperCase();
    if (!keyPattern.test(key)) return ok(null);
    const o = await call('GET', `/rest/api/3/issue/${encodeURIComponent(key)}?fields=${ISSUE_FIELDS.join(',')}`, undefined, 'read', 'read an issue');
    // 404 is Jira's answer both for "no such issue" and "not allowed to see it".
    if (o.kind === 'response' && o.response.status === 404) return ok(null);
    if (!succeeded(o, 200) || o.kind !== 'response') return logged(jiraFailure(o, { doing: 'read issues', projectKey: project }), log, 'read an issue');
    return ok(toTicket(o.response.body as JiraIssueJson, project));
  }

  return {
    keyPattern,
    keyExample: `${project}-1042`,
    get,

    async listByRequester(userId, limit) {
      if (limit < 1) return ok([]);
      const found = await search(
        `project = ${q(project)} AND labels = ${q(requesterLabel(userId))} ORDER BY updated DESC`,
        Math.min(100, Math.floor(limit)),
        "list a user's tickets",
      );
      // Label matching in JQL ignores case; ownership does not.
      return found.ok ? ok(found.value.filter((t) => t.requester === userId)) : found;
    },

    async create(t, key, now) {
      const label = keyLabel(key);
      const fields: Record<string, unknown> = {
        project: { key: project },
        issuetype: { name: s.issueType ?? 'Task' },
        summary: t.summary.replace(/\s+/g, ' ').trim().slice(0, 255),
        description: describeIssue({ description: t.description, requester: t.requester, thread: t.thread }),
        priority: { name: jiraPriority(t.priority) },
        labels: [SENTINEL_LABEL, label, requesterLabel(t.requester)],
      };
      const summary = fields.summary as string;
      const lookup = async (patienceMs: number): Promise<BackendResult<Ticket | null>> => {
        const deadline = Date.now() + patienceMs;
        for (;;) {
          const found = await search(`project = ${q(project)} AND labels = ${q(label)}`, 1, 'look up the idempotency label');
          if (!found.ok || found.value[0] || Date.now() >= deadline) return found.ok ? ok(found.value[0] ?? null) : found;
          await sleep(Math.min(500, deadline - Date.now()));
        }
      };
      let unsure = false;
      for (let attempt = 1; ; attempt++) {
        // Never create without this lookup: a retry (ours, or a restarted Sentinel's) finds the first
        // issue. After an answer that was lost, Jira's search index gets a moment to catch up.
        const existing = await lookup(unsure ? indexLagMs : 0);
        if (!existing.ok) return existing;
        const first = existing.value;
        if (first) {
          log?.info({ backend: BACKEND, ticket: first.id }, `jira: ${first.id} was already opened for this request; not opening another`);
          return ok(first);
        }
        const o = await call('POST', '/rest/api/3/issue', { fields }, 'never', 'create an issue');
        if (succeeded(o, 201) && o.kind === 'response') {
          const created = (o.response.body ?? {}) as { key?: string };
          const issueKey = created.key ?? '';
          log?.info({ backend: BACKEND, ticket: issueKey }, `jira: opened ${issueKey}`);
          const read = await get(issueKey);
          // Without a priority field, the priority is the one asked for (written in the description).
          if (read.ok && read.value) return ok('priority' in fields ? read.value : { ...read.value, priority: t.priority });
          // Created, but not readable back this moment: report what was sent.
          return ok({
            id: issueKey,
            requester: t.requester,
            summary,
            description: t.description,
            priority: t.priority,
            status: 'Open',
            statusCategory: 'new',
            assignee: null,
            createdAt: now,
            updatedAt: now,
          });
        }
        // A project without a priority field (team-managed projects often have none) refuses one: the
        // ticket goes without it, the priority in words in its description. Jira created nothing.
        if (o.kind === 'response' && o.response.status === 400 && 'priority' in fields && refusesField(o.response.body, 'priority')) {
          log?.warn({ backend: BACKEND }, `jira: project ${project} has no priority field on its create screen; the priority goes into the description`);
          delete fields.priority;
          fields.description = describeIssue({ description: t.description, requester: t.requester, thread: t.thread, priority: jiraPriority(t.priority) });
          continue;
        }
        // A 4xx other than 429 means Jira refused it: nothing was created, and trying again changes nothing.
        const refused = o.kind === 'response' && o.response.status !== 429 && o.response.status < 500;
        unsure = !(o.kind === 'response' && o.response.status === 429);
        const wait = backoffMs(o, attempt, http);
        if (refused || attempt > http.maxRetries || wait > http.maxDelayMs) return logged(jiraFailure(o, { doing: 'open tickets', projectKey: project }), log, 'create an issue');
        log?.warn(
          { backend: BACKEND, attempt, outcome: o.kind === 'response' ? `HTTP ${o.response.status}` : o.kind },
          `jira: creating the issue was not confirmed; looking its label up again in ${wait} ms before any second attempt`,
        );
        await sleep(wait);
      }
    },
  };
}
