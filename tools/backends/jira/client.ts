import { DEFAULT_HTTP, send, type HttpOptions, type HttpOutcome, type HttpRequest } from '../http';

// Jira Cloud REST v3 over basic auth (the API user's email and API token). The token is only ever in
// the Authorization header of the request, never in a log line or an error.

export interface JiraSettings {
  /** The site, e.g. https://acme.atlassian.net (JIRA_BASE_URL). */
  baseUrl: string;
  email: string;
  apiToken: string;
  projectKey: string;
  /** Issue type of the tickets Sentinel opens (default Task). */
  issueType?: string;
  /**
   * How long, after a create whose answer was lost, the idempotency search keeps looking before
   * concluding the issue was not made (Jira's search index trails a create by about a second).
   */
  indexLagMs?: number;
  http?: Partial<Omit<HttpOptions, 'backend'>>;
}

export type JiraCall = (method: HttpRequest['method'], path: string, body: unknown, retry: HttpRequest['retry'], what: string) => Promise<HttpOutcome>;

export function jiraClient(s: JiraSettings): JiraCall {
  const base = s.baseUrl.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${s.email}:${s.apiToken}`, 'utf8').toString('base64')}`;
  const opts: HttpOptions = { backend: 'jira', ...DEFAULT_HTTP, ...s.http };
  return (method, path, body, retry, what) =>
    send(opts, {
      method,
      url: base + path,
      headers: { Authorization: authorization, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      retry,
      what,
    });
}
