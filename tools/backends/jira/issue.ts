import type { Priority, Ticket, TicketStatusCategory } from '../types';
import { plainText } from './adf';
import { requesterOf } from './labels';

// A Jira issue as Sentinel's Ticket, and Sentinel's priorities as Jira's default priority scheme.

export const ISSUE_FIELDS = ['summary', 'description', 'status', 'assignee', 'reporter', 'labels', 'priority', 'comment', 'created', 'updated'];

const TO_JIRA: Record<Priority, string> = { low: 'Low', medium: 'Medium', high: 'High', urgent: 'Highest' };
const FROM_JIRA: Record<string, Priority> = { lowest: 'low', low: 'low', medium: 'medium', high: 'high', highest: 'urgent' };

export const jiraPriority = (p: Priority) => TO_JIRA[p];

const CATEGORY: Record<string, TicketStatusCategory> = { new: 'new', indeterminate: 'in_progress', done: 'done' };

export interface JiraIssueJson {
  id?: string;
  key?: string;
  fields?: {
    summary?: string;
    description?: unknown;
    status?: { name?: string; statusCategory?: { key?: string } };
    assignee?: { displayName?: string } | null;
    reporter?: { accountId?: string; displayName?: string } | null;
    labels?: string[];
    priority?: { name?: string } | null;
    created?: string;
    updated?: string;
  };
}

/** Jira writes `2026-12-03T07:16:34.000+0000`; Date.parse wants the offset with a colon. */
export function jiraDate(text: string | undefined): number {
  if (!text) return 0;
  const t = Date.parse(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(t) ? 0 : t;
}

/**
 * The ticket, or null when the issue is not in Sentinel's project. Whom it is for comes from Sentinel's
 * label; an issue someone opened in Jira itself belongs to `jira:<reporter's account id>`, which is
 * nobody in the directory, so only admins may look at it.
 */
export function toTicket(issue: JiraIssueJson, projectKey: string): Ticket | null {
  const key = issue.key ?? '';
  if (!key.toUpperCase().startsWith(`${projectKey.toUpperCase()}-`)) return null;
  const f = issue.fields ?? {};
  const labels = Array.isArray(f.labels) ? f.labels : [];
  const requester = requesterOf(labels) ?? `jira:${f.reporter?.accountId ?? 'unknown'}`;
  const created = jiraDate(f.created);
  return {
    id: key,
    requester,
    summary: f.summary ?? '',
    description: plainText(f.description),
    priority: FROM_JIRA[(f.priority?.name ?? '').toLowerCase()] ?? 'medium',
    status: f.status?.name ?? 'Unknown',
    statusCategory: CATEGORY[f.status?.statusCategory?.key ?? ''] ?? 'new',
    assignee: f.assignee?.displayName ?? null,
    createdAt: created,
    updatedAt: jiraDate(f.updated) || created,
  };
}
