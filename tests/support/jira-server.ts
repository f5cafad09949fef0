import type http from 'node:http';
import { LoopbackVendor, sendJson, type InjectedFailure as VendorFailure, type RecordedRequest } from './vendor-server';

export type { RecordedRequest } from './vendor-server';

/**
 * A Jira Cloud site on 127.0.0.1 that speaks the part of REST API v3 Sentinel uses, with the shapes of
 * Atlassian's published OpenAPI document (swagger-v3.v3.json):
 *
 * - `POST /rest/api/3/issue` (basic auth email:api_token; `fields.project.key`, `summary`, `description`
 *   as an Atlassian Document, `issuetype`, `priority {name}`, `labels`) → 201 `{id, key, self}`;
 * - `GET /rest/api/3/issue/{key}?fields=…` → `{id, key, self, fields}` with only the fields asked for;
 * - `POST /rest/api/3/search/jql` (`{jql, fields, maxResults, nextPageToken}`) → `{issues, isLast, nextPageToken?}`;
 *   a small JQL subset (`=`, `!=`, `in`, `AND`, `ORDER BY`); unbounded queries are refused as Jira does;
 * - the removed `/rest/api/3/search` answers 410, as real Jira does.
 *
 * Errors are `{errorMessages: [...], errors: {field: message}}`. Every request is recorded; failures
 * (any status, 429 with `Retry-After`, slow answers, a response lost after the work was done) are
 * injected with `fail()`.
 */

export interface JiraComment {
  author: string;
  text: string;
  created: string;
}

export interface JiraIssue {
  id: string;
  key: string;
  summary: string;
  description: unknown;
  issuetype: string;
  priority: string;
  labels: string[];
  status: { name: string; category: 'new' | 'indeterminate' | 'done' };
  assignee: { accountId: string; displayName: string } | null;
  reporter: { accountId: string; displayName: string; emailAddress?: string };
  comments: JiraComment[];
  created: number;
  updated: number;
}

export interface InjectedFailure extends VendorFailure {
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
}

export interface JiraOptions {
  email?: string;
  apiToken?: string;
  projectKey?: string;
  issueTypes?: string[];
  /** Fields on the create screen (team-managed projects often have no priority). */
  createScreen?: string[];
  /** Whether the API user may create issues / browse the project (403 otherwise). */
  canCreate?: boolean;
  canBrowse?: boolean;
  /** Search is eventually consistent in Jira Cloud: a new issue shows up in JQL results after this long. */
  searchLagMs?: number;
  /** First issue number (keys are `${projectKey}-${n}`). */
  firstNumber?: number;
}

const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];
const STATUS_CATEGORY_NAMES = { new: 'To Do', indeterminate: 'In Progress', done: 'Done' } as const;
const ADF_BLOCKS = new Set(['paragraph', 'heading', 'bulletList', 'orderedList', 'listItem', 'codeBlock', 'blockquote', 'rule', 'panel']);
const ADF_INLINE = new Set(['text', 'hardBreak', 'mention', 'emoji', 'inlineCard']);
const ADF_MARKS = new Set(['strong', 'em', 'code', 'link', 'strike', 'underline']);

/** Jira's timestamp format: `2026-12-03T07:16:34.000+0000`. */
export const jiraTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

export class LoopbackJira extends LoopbackVendor<InjectedFailure> {
  readonly email: string;
  readonly apiToken: string;
  readonly projectKey: string;
  readonly accountId = '5b10ac8d82e05b22cc7d4ef5';
  readonly issues = new Map<string, JiraIssue>();
  canCreate: boolean;
  canBrowse: boolean;
  createScreen: string[];
  searchLagMs: number;
  private readonly issueTypes: string[];
  private nextNumber: number;
  private nextId = 10000;

  private constructor(opts: JiraOptions) {
    super();
    this.email = opts.email ?? 'sentinel-bot@example.com';
    this.apiToken = opts.apiToken ?? 'ATATT3xFfGF0-loopback-jira-token';
    this.projectKey = opts.projectKey ?? 'HELP';
    this.issueTypes = opts.issueTypes ?? ['Task', 'Bug'];
    this.canCreate = opts.canCreate ?? true;
    this.canBrowse = opts.canBrowse ?? true;
    this.createScreen = opts.createScreen ?? ['project', 'issuetype', 'summary', 'description', 'priority', 'labels'];
    this.searchLagMs = opts.searchLagMs ?? 0;
    this.nextNumber = opts.firstNumber ?? 1;
  }

  static async start(opts: JiraOptions = {}): Promise<LoopbackJira> {
    const jira = new LoopbackJira(opts);
    await jira.listen();
    return jira;
  }

  /** The site's base URL, what JIRA_BASE_URL is set to. */
  get url(): string {
    return this.origin;
  }

  /** The issues created through the API (not seeded), in order. */
  created(): JiraIssue[] {
    return [...this.issues.values()].filter((i) => i.reporter.accountId === this.accountId).sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** An issue somebody made in Jira itself (not through Sentinel). */
  seed(i: Partial<JiraIssue> & { summary: string }): JiraIssue {
    const issue = this.newIssue({
      summary: i.summary,
      description: i.description ?? null,
      issuetype: i.issuetype ?? 'Task',
      priority: i.priority ?? 'Medium',
      labels: i.labels ?? [],
      reporter: i.reporter ?? { accountId: '712020:human-reporter', displayName: 'Pat Human' },
      at: i.created ?? Date.now(),
    });
    Object.assign(issue, { status: i.status ?? issue.status, assignee: i.assignee ?? null, comments: i.comments ?? [] });
    return issue;
  }

  transition(key: string, name: string, category: JiraIssue['status']['category']): void {
    const i = this.mustGet(key);
    i.status = { name, category };
    i.updated = Date.now();
  }

  assign(key: string, displayName: string | null): void {
    const i = this.mustGet(key);
    i.assignee = displayName ? { accountId: `712020:${displayName.toLowerCase().replace(/\W+/g, '-')}`, displayName } : null;
    i.updated = Date.now();
  }

  comment(key: string, author: string, text: string): void {
    const i = this.mustGet(key);
    i.comments.push({ author, text, created: jiraTime(Date.now()) });
    i.updated = Date.now();
  }

  private mustGet(key: string): JiraIssue {
    const i = this.issues.get(key.toUpperCase());
    if (!i) throw new Error(`no issue ${key}`);
    return i;
  }

  private newIssue(f: { summary: string; description: unknown; issuetype: string; priority: string; labels: string[]; reporter: JiraIssue['reporter']; at: number }): JiraIssue {
    const key = `${this.projectKey}-${this.nextNumber++}`;
    const issue: JiraIssue = {
      id: String(this.nextId++),
      key,
      summary: f.summary,
      description: f.description,
      issuetype: f.issuetype,
      priority: f.priority,
      labels: f.labels,
      status: { name: 'To Do', category: 'new' },
      assignee: null,
      reporter: f.reporter,
      comments: [],
      created: f.at,
      updated: f.at,
    };
    this.issues.set(key, issue);
    return issue;
  }

  // ---- HTTP ----

  protected parseBody(rawBody: string): unknown {
    try {
      return JSON.parse(rawBody);
    } catch {
      return rawBody;
    }
  }

  protected send(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    sendJson(res, status, payload, headers, 'application/json;charset=UTF-8');
  }

  protected sendFailure(res: http.ServerResponse, f: InjectedFailure): void {
    const status = f.status!;
    const headers: Record<string, string> = {};
    if (f.retryAfter !== undefined) headers['Retry-After'] = String(f.retryAfter);
    if (status === 429) {
      headers['X-RateLimit-Limit'] = '100';
      headers['X-RateLimit-Remaining'] = '0';
      headers['RateLimit-Reason'] = 'jira-burst-based';
      return this.send(res, status, errors(['Rate limit exceeded.']), headers);
    }
    const messages: Record<number, string> = {
      401: 'Client must be authenticated to access this resource.',
      403: 'You do not have permission to perform this operation.',
      404: 'Issue does not exist or you do not have permission to see it.',
    };
    this.send(res, status, errors([messages[status] ?? 'Internal server error']), headers);
  }

  protected route(r: RecordedRequest): [number, unknown, Record<string, string>?] {
    // A body that is not JSON is recorded as its text; Jira answers it with a 400.
    const body = typeof r.body === 'string' ? Symbol.for('bad-json') : r.body;
    if (!this.authenticated(r.headers.authorization)) {
      return [401, errors(['Client must be authenticated to access this resource.']), { 'WWW-Authenticate': 'Basic realm="protected-area"' }];
    }
    if (r.path === '/rest/api/3/search' || r.path === '/rest/api/2/search') {
      return [410, errors(['The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046'])];
    }
    if (typeof body === 'symbol') return [400, errors(['Unexpected character in request body: invalid JSON'])];
    if (r.method === 'POST' && r.path === '/rest/api/3/issue') return this.create(body);
    if (r.method === 'POST' && r.path === '/rest/api/3/search/jql') return this.search(body);
    const get = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(r.path);
    if (r.method === 'GET' && get) return this.getIssue(decodeURIComponent(get[1]!), r.query.fields);
    return [404, errors(['null for uri: ' + r.path])];
  }

  private authenticated(header: string | undefined): boolean {
    const m = /^Basic (.+)$/.exec(header ?? '');
    if (!m) return false;
    return Buffer.from(m[1]!, 'base64').toString('utf8') === `${this.email}:${this.apiToken}`;
  }

  private create(body: unknown): [number, unknown] {
    if (!this.canCreate) return [403, errors(['You do not have permission to create issues in this project.'])];
    const fields = (body as { fields?: Record<string, unknown> } | undefined)?.fields;
    if (!fields || typeof fields !== 'object') return [400, errors(['Request body is missing the fields object.'])];
    const fieldErrors: Record<string, string> = {};
    const project = fields.project as { key?: unknown; id?: unknown } | undefined;
    if (!project || project.key !== this.projectKey) fieldErrors.project = 'valid project is required';
    const issuetype = (fields.issuetype as { name?: unknown } | undefined)?.name;
    if (typeof issuetype !== 'string' || !this.issueTypes.includes(issuetype)) fieldErrors.issuetype = 'valid issue type is required';
    const summary = fields.summary;
    if (typeof summary !== 'string' || !summary.trim()) fieldErrors.summary = 'You must specify a summary of the issue.';
    else if (summary.length > 255) fieldErrors.summary = 'Summary must be less than 255 characters.';
    else if (/[\r\n]/.test(summary)) fieldErrors.summary = 'The summary is invalid because it contains newline characters.';
    if (fields.description !== undefined && fields.description !== null) {
      const problem = adfProblem(fields.description);
      if (problem) fieldErrors.description = `Operation value must be an Atlassian Document (see the Atlassian Document Format): ${problem}`;
      else if (adfText(fields.description).length > 32_767) fieldErrors.description = 'The entered text is too long. It exceeds the allowed limit of 32,767 characters.';
    }
    const priority = fields.priority === undefined ? 'Medium' : (fields.priority as { name?: unknown } | null)?.name;
    if (typeof priority !== 'string' || !PRIORITIES.includes(priority)) fieldErrors.priority = 'Specify the Priority (name) in the string format';
    const labels = fields.labels ?? [];
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) fieldErrors.labels = 'Field labels must be an array of strings.';
    else {
      const bad = (labels as string[]).find((l) => /\s/.test(l) || l.length === 0 || l.length > 255);
      if (bad !== undefined) fieldErrors.labels = `The label '${bad}' contains spaces which is invalid.`;
    }
    for (const k of Object.keys(fields)) {
      if (!this.createScreen.includes(k)) fieldErrors[k] = `Field '${k}' cannot be set. It is not on the appropriate screen, or unknown.`;
    }
    if (Object.keys(fieldErrors).length) return [400, { errorMessages: [], errors: fieldErrors }];
    const issue = this.newIssue({
      summary: summary as string,
      description: fields.description ?? null,
      issuetype: issuetype as string,
      priority: priority as string,
      labels: labels as string[],
      reporter: { accountId: this.accountId, displayName: 'Sentinel Bot', emailAddress: this.email },
      at: Date.now(),
    });
    return [201, { id: issue.id, key: issue.key, self: `${this.url}/rest/api/3/issue/${issue.id}` }];
  }

  private getIssue(idOrKey: string, fieldsParam: string | undefined): [number, unknown] {
    const issue = this.issues.get(idOrKey.toUpperCase()) ?? [...this.issues.values()].find((i) => i.id === idOrKey);
    if (!issue || !this.canBrowse) return [404, errors(['Issue does not exist or you do not have permission to see it.'])];
    const wanted = fieldsParam ? fieldsParam.split(',').map((f) => f.trim()).filter(Boolean) : ['*navigable'];
    return [200, this.render(issue, wanted)];
  }

  private search(body: unknown): [number, unknown] {
    const b = (body ?? {}) as { jql?: unknown; fields?: unknown; maxResults?: unknown; nextPageToken?: unknown };
    if (typeof b.jql !== 'string') return [400, errors(['Invalid request payload. Refer to the REST API documentation and try again.'])];
    if (b.fields !== undefined && (!Array.isArray(b.fields) || b.fields.some((f) => typeof f !== 'string'))) {
      return [400, errors(['Invalid request payload. Refer to the REST API documentation and try again.'])];
    }
    let query: Jql;
    try {
      query = parseJql(b.jql);
    } catch (e) {
      return [400, errors([(e as Error).message])];
    }
    if (!query.clauses.length) return [400, errors(['Unbounded JQL queries are not allowed here. Please add a search restriction to your query.'])];
    for (const c of query.clauses) {
      if (!['project', 'labels', 'reporter', 'status', 'statuscategory', 'key', 'issuetype'].includes(c.field)) {
        return [400, errors([`Field '${c.field}' does not exist or you do not have permission to view it.`])];
      }
    }
    if (!this.canBrowse) return [200, { issues: [], isLast: true }];
    const now = Date.now();
    let found = [...this.issues.values()].filter((i) => now - i.created >= this.searchLagMs && query.clauses.every((c) => this.matches(i, c)));
    const order = query.orderBy ?? { field: 'key', desc: true };
    const sortKey = (i: JiraIssue): number => (order.field === 'updated' ? i.updated : order.field === 'created' ? i.created : Number(i.id));
    found.sort((a, x) => (sortKey(a) - sortKey(x)) * (order.desc ? -1 : 1));
    const max = typeof b.maxResults === 'number' ? Math.max(0, Math.min(5000, Math.floor(b.maxResults))) : 50;
    const start = typeof b.nextPageToken === 'string' ? Number(b.nextPageToken) || 0 : 0;
    const page = found.slice(start, start + max);
    const isLast = start + max >= found.length;
    found = page;
    const wanted = (b.fields as string[] | undefined) ?? ['id'];
    return [200, { issues: found.map((i) => this.render(i, wanted)), isLast, ...(isLast ? {} : { nextPageToken: String(start + max) }) }];
  }

  private matches(i: JiraIssue, c: JqlClause): boolean {
    const values = (() => {
      switch (c.field) {
        case 'project':
          return [this.projectKey];
        case 'labels':
          return i.labels;
        case 'reporter':
          return [i.reporter.accountId];
        case 'status':
          return [i.status.name];
        case 'statuscategory':
          return [STATUS_CATEGORY_NAMES[i.status.category], i.status.category];
        case 'issuetype':
          return [i.issuetype];
        default:
          return [i.key];
      }
    })().map((v) => v.toLowerCase());
    // Labels are case-sensitive in Jira; everything else here is compared case-insensitively.
    const eq = (v: string) => (c.field === 'labels' ? i.labels.includes(v) : values.includes(v.toLowerCase()));
    const any = c.values.some(eq);
    return c.op === '!=' || c.op === 'not in' ? !any : any;
  }

  private render(i: JiraIssue, wanted: string[]): Record<string, unknown> {
    const all = {
      summary: i.summary,
      description: i.description,
      issuetype: { name: i.issuetype },
      priority: { name: i.priority },
      labels: i.labels,
      status: { name: i.status.name, statusCategory: { key: i.status.category, name: STATUS_CATEGORY_NAMES[i.status.category] } },
      assignee: i.assignee,
      reporter: i.reporter,
      created: jiraTime(i.created),
      updated: jiraTime(i.updated),
      comment: {
        comments: i.comments.map((c, n) => ({
          id: String(n + 1),
          author: { displayName: c.author },
          body: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: c.text }] }] },
          created: c.created,
          updated: c.created,
        })),
        maxResults: i.comments.length,
        total: i.comments.length,
        startAt: 0,
      },
    } as Record<string, unknown>;
    const navigable = wanted.includes('*all') || wanted.includes('*navigable');
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(all)) if (navigable || wanted.includes(k)) fields[k] = v;
    return { id: i.id, key: i.key, self: `${this.url}/rest/api/3/issue/${i.id}`, fields };
  }
}

const errors = (messages: string[], fieldErrors: Record<string, string> = {}) => ({ errorMessages: messages, errors: fieldErrors });

/** Why a value is not an Atlassian Document, or null. Empty text nodes are refused, as Jira does. */
export function adfProblem(doc: unknown): string | null {
  const d = doc as { type?: unknown; version?: unknown; content?: unknown };
  if (!d || typeof d !== 'object' || d.type !== 'doc' || d.version !== 1 || !Array.isArray(d.content)) return 'not a doc node with version 1';
  const walk = (node: unknown, inline: boolean, path: string): string | null => {
    const n = node as { type?: unknown; text?: unknown; content?: unknown; marks?: unknown; attrs?: unknown };
    if (!n || typeof n !== 'object' || typeof n.type !== 'string') return `${path}: not a node`;
    if (n.type === 'text') {
      if (!inline) return `${path}: text outside a paragraph`;
      if (typeof n.text !== 'string' || n.text.length === 0) return `${path}: empty text node`;
      if (n.marks !== undefined) {
        if (!Array.isArray(n.marks)) return `${path}: marks must be an array`;
        for (const m of n.marks as Array<{ type?: unknown; attrs?: { href?: unknown } }>) {
          if (typeof m?.type !== 'string' || !ADF_MARKS.has(m.type)) return `${path}: unknown mark`;
          if (m.type === 'link' && (typeof m.attrs?.href !== 'string' || !m.attrs.href)) return `${path}: link without href`;
        }
      }
      return null;
    }
    if (inline ? !ADF_INLINE.has(n.type) : !ADF_BLOCKS.has(n.type)) return `${path}: ${n.type} not allowed here`;
    if (n.content === undefined) return null;
    if (!Array.isArray(n.content)) return `${path}: content must be an array`;
    const childInline = ['paragraph', 'heading', 'codeBlock'].includes(n.type);
    for (const [k, c] of (n.content as unknown[]).entries()) {
      const p = walk(c, childInline, `${path}.${n.type}[${k}]`);
      if (p) return p;
    }
    return null;
  };
  for (const [k, c] of (d.content as unknown[]).entries()) {
    const p = walk(c, false, `content[${k}]`);
    if (p) return p;
  }
  return null;
}

/** All the text in an ADF value. */
function adfText(node: unknown): string {
  const n = node as { text?: unknown; content?: unknown } | null;
  if (!n || typeof n !== 'object') return '';
  return (typeof n.text === 'string' ? n.text : '') + (Array.isArray(n.content) ? n.content.map(adfText).join('') : '');
}

interface JqlClause {
  field: string;
  op: '=' | '!=' | 'in' | 'not in';
  values: string[];
}
interface Jql {
  clauses: JqlClause[];
  orderBy?: { field: string; desc: boolean };
}

/** The JQL Sentinel needs: `field = value`, `!=`, `in (…)`, joined by AND, optional ORDER BY. */
function parseJql(text: string): Jql {
  const tokens: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|!=|=|\(|\)|,|[^\s=!(),"']+)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(text))) {
    tokens.push(m[1]!);
    consumed = re.lastIndex;
  }
  if (text.slice(consumed).trim()) throw new Error(`Error in the JQL Query: the character '${text.slice(consumed).trim()[0]}' is a reserved JQL character.`);
  const unquote = (t: string) => (/^["']/.test(t) ? t.slice(1, -1).replace(/\\(.)/g, '$1') : t);
  const out: Jql = { clauses: [] };
  let i = 0;
  const peek = () => tokens[i]?.toLowerCase();
  while (i < tokens.length) {
    if (peek() === 'order') {
      if (tokens[i + 1]?.toLowerCase() !== 'by' || !tokens[i + 2]) throw new Error("Error in the JQL Query: Expecting 'by' after 'order'.");
      out.orderBy = { field: tokens[i + 2]!.toLowerCase(), desc: tokens[i + 3]?.toLowerCase() === 'desc' };
      i += tokens[i + 3] && /^(asc|desc)$/i.test(tokens[i + 3]!) ? 4 : 3;
      if (i < tokens.length) throw new Error('Error in the JQL Query: unexpected text after ORDER BY.');
      break;
    }
    if (out.clauses.length) {
      if (peek() !== 'and') throw new Error(`Error in the JQL Query: Expecting 'AND' but got '${tokens[i]}'.`);
      i++;
    }
    const field = tokens[i++];
    if (!field) throw new Error('Error in the JQL Query: Expecting a field name.');
    let op: JqlClause['op'];
    if (peek() === '=' || peek() === '!=') op = tokens[i++] as '=' | '!=';
    else if (peek() === 'in') {
      op = 'in';
      i++;
    } else if (peek() === 'not' && tokens[i + 1]?.toLowerCase() === 'in') {
      op = 'not in';
      i += 2;
    } else throw new Error(`Error in the JQL Query: Expecting operator but got '${tokens[i] ?? 'end of query'}'.`);
    const values: string[] = [];
    if (op === 'in' || op === 'not in') {
      if (tokens[i++] !== '(') throw new Error("Error in the JQL Query: Expecting '('.");
      while (tokens[i] !== ')') {
        if (tokens[i] === undefined) throw new Error("Error in the JQL Query: Expecting ')'.");
        if (tokens[i] !== ',') values.push(unquote(tokens[i]!));
        i++;
      }
      i++;
    } else {
      const v = tokens[i++];
      if (v === undefined) throw new Error('Error in the JQL Query: Expecting either a value, list or function.');
      values.push(unquote(v));
    }
    out.clauses.push({ field: unquote(field).toLowerCase(), op, values });
  }
  return out;
}
