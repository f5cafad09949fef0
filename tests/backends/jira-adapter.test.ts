import { createLogger } from '../../apps/logger';
import { jiraTickets, type JiraSettings } from '../../tools/backends/jira';
import { keyLabel, requesterLabel } from '../../tools/backends/jira/labels';
import { adfProblem, LoopbackJira } from '../support/jira-server';

// The Jira adapter against the loopback Jira: real fetch, real HTTP, the vendor's shapes.

const lines: string[] = [];
const logger = createLogger('debug', { write: (l: string) => void lines.push(l) });
let jira: LoopbackJira;

const settings = (over: Partial<JiraSettings> = {}): JiraSettings => ({
  baseUrl: jira.url,
  email: jira.email,
  apiToken: jira.apiToken,
  projectKey: jira.projectKey,
  indexLagMs: 200,
  http: { timeoutMs: 400, maxRetries: 2, baseDelayMs: 10, maxDelayMs: 3000, logger },
  ...over,
});
const ticket = { requester: 'alice', summary: 'Projector in room 4 will not connect', description: 'Tried HDMI and USB-C.', priority: 'high' as const };
const T0 = Date.parse('2026-12-03T08:00:00Z');

beforeEach(async () => {
  jira = await LoopbackJira.start();
  lines.length = 0;
});
afterEach(() => jira.close());

describe('create', () => {
  test('sends the documented request: basic auth, ADF description with the conversation, mapped priority, Sentinel labels', async () => {
    const tickets = jiraTickets(settings());
    const r = await tickets.create(
      { ...ticket, description: 'Tried HDMI and USB-C.\n\n--- Conversation with Sentinel ---\nalice: the projector won\'t connect\nsentinel: Shall I open a ticket? https://example.com/kb/42' },
      'turn-1#0',
      T0,
    );
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ id: 'HELP-1', requester: 'alice', priority: 'high', status: 'To Do', statusCategory: 'new', assignee: null }) });
    const [post] = jira.calls('POST', /^\/rest\/api\/3\/issue$/);
    expect(post!.headers.authorization).toBe(`Basic ${Buffer.from(`${jira.email}:${jira.apiToken}`).toString('base64')}`);
    const fields = (post!.body as { fields: Record<string, any> }).fields;
    expect(fields).toMatchObject({ project: { key: 'HELP' }, issuetype: { name: 'Task' }, summary: ticket.summary, priority: { name: 'High' } });
    expect(fields.labels).toEqual(['sentinel', keyLabel('turn-1#0'), 'sentinel-for-alice']);
    expect(adfProblem(fields.description)).toBeNull();
    const text = JSON.stringify(fields.description);
    expect(text).toContain('Conversation with Sentinel');
    expect(text).toContain("alice: the projector won't connect");
    expect(text).toContain('"href":"https://example.com/kb/42"');
    expect(text).toContain('Opened by Sentinel for alice.');
  });

  test('the thread the ticket was asked in is linked from its description, also when the priority goes into words', async () => {
    const thread = { text: 'the Slack thread', url: 'https://acme.slack.com/archives/C0HELP/p1764748800123456' };
    expect((await jiraTickets(settings()).create({ ...ticket, thread }, 'thread-1', T0)).ok).toBe(true);
    expect(JSON.stringify(jira.created()[0]!.description)).toContain('"href":"https://acme.slack.com/archives/C0HELP/p1764748800123456"');
    jira.createScreen = ['project', 'issuetype', 'summary', 'description', 'labels'];
    expect((await jiraTickets(settings()).create({ ...ticket, thread }, 'thread-2', T0)).ok).toBe(true);
    const text = JSON.stringify(jira.created()[1]!.description);
    expect(text).toContain('Priority: High.');
    expect(text).toContain('"href":"https://acme.slack.com/archives/C0HELP/p1764748800123456"');
  });

  test('a long conversation is cut from its start so Jira takes the description', async () => {
    const transcript = Array.from({ length: 400 }, (_, i) => `alice: message ${i} ${'x'.repeat(150)}`).join('\n');
    const r = await jiraTickets(settings()).create({ ...ticket, description: `${'d'.repeat(4000)}\n\n--- Conversation with Sentinel ---\n${transcript}` }, 'long-1', T0);
    expect(r.ok).toBe(true);
    const text = JSON.stringify(jira.created()[0]!.description);
    expect(text).toContain('alice: message 399');
    expect(text).not.toContain('alice: message 0 ');
    expect(text).toContain('earlier messages left out');
  });

  test('every priority maps to a Jira priority and back', async () => {
    const tickets = jiraTickets(settings());
    for (const [p, name] of [['low', 'Low'], ['medium', 'Medium'], ['high', 'High'], ['urgent', 'Highest']] as const) {
      const r = await tickets.create({ ...ticket, priority: p }, `k-${p}`, T0);
      expect(r.ok && r.value.priority).toBe(p);
      expect(jira.created().at(-1)!.priority).toBe(name);
    }
  });

  test('the same idempotency key twice: one issue, found by its label before any second create', async () => {
    const tickets = jiraTickets(settings());
    const a = await tickets.create(ticket, 'turn-7#0', T0);
    const b = await tickets.create(ticket, 'turn-7#0', T0);
    expect(a.ok && b.ok && a.value.id === b.value.id).toBe(true);
    expect(jira.created()).toHaveLength(1);
    expect(jira.calls('POST', /\/issue$/)).toHaveLength(1);
    const searches = jira.calls('POST', /\/search\/jql$/).map((r) => (r.body as { jql: string }).jql);
    expect(searches).toEqual([`project = "HELP" AND labels = "${keyLabel('turn-7#0')}"`, `project = "HELP" AND labels = "${keyLabel('turn-7#0')}"`]);
    // A different key is a different ticket.
    await tickets.create(ticket, 'turn-8#0', T0);
    expect(jira.created()).toHaveLength(2);
  });

  test('a create whose answer is lost (502 after Jira made it) is looked up, not repeated: one issue', async () => {
    jira.fail({ method: 'POST', path: /\/issue$/, status: 502, afterProcessing: true });
    const r = await jiraTickets(settings()).create(ticket, 'lost-1', T0);
    expect(r.ok && r.value.id).toBe('HELP-1');
    expect(jira.created()).toHaveLength(1);
    expect(jira.calls('POST', /\/issue$/)).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/creating the issue was not confirmed; looking its label up again/);
  });

  test("a lost answer while Jira's search index lags behind the create: still one issue", async () => {
    jira.searchLagMs = 700;
    jira.fail({ method: 'POST', path: /\/issue$/, status: 502, afterProcessing: true });
    const r = await jiraTickets(settings({ indexLagMs: 2000 })).create(ticket, 'lag-1', T0);
    expect(r.ok && r.value.id).toBe('HELP-1');
    expect(jira.created()).toHaveLength(1);
    expect(jira.calls('POST', /\/issue$/)).toHaveLength(1);
  });

  test('a create that times out after Jira made it: one issue', async () => {
    jira.fail({ method: 'POST', path: /\/issue$/, delayMs: 1000, afterProcessing: true });
    const r = await jiraTickets(settings()).create(ticket, 'slow-1', T0);
    expect(r.ok && r.value.id).toBe('HELP-1');
    expect(jira.created()).toHaveLength(1);
  });

  test('a create that failed before Jira acted (503) is tried again after the lookup: one issue', async () => {
    jira.fail({ method: 'POST', path: /\/issue$/, status: 503 });
    const r = await jiraTickets(settings()).create(ticket, 'down-1', T0);
    expect(r.ok).toBe(true);
    expect(jira.created()).toHaveLength(1);
    expect(jira.calls('POST', /\/issue$/)).toHaveLength(2);
    // Before the second create, the label is looked up (for a moment, in case the index lags).
    const searches = jira.calls('POST', /\/search\/jql$/);
    expect(searches.length).toBeGreaterThanOrEqual(2);
    expect(searches.at(-1)!.at).toBeLessThan(jira.calls('POST', /\/issue$/)[1]!.at);
  });

  test('429 on create: waits Retry-After, looks up, creates once', async () => {
    jira.fail({ method: 'POST', path: /\/issue$/, status: 429, retryAfter: 1 });
    const started = Date.now();
    const r = await jiraTickets(settings()).create(ticket, 'busy-1', T0);
    expect(r.ok).toBe(true);
    const posts = jira.calls('POST', /\/issue$/);
    expect(posts).toHaveLength(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(jira.created()).toHaveLength(1);
  });

  test('a Retry-After longer than Sentinel waits: rate_limited, nothing created', async () => {
    jira.fail({ method: 'POST', path: /\/issue$/, status: 429, retryAfter: 120 });
    const r = await jiraTickets(settings()).create(ticket, 'busy-2', T0);
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'rate_limited', backend: 'jira' }) });
    expect(jira.created()).toHaveLength(0);
  });

  test('when the lookup cannot be done, nothing is created', async () => {
    jira.fail({ method: 'POST', path: /\/search\/jql$/, status: 503, times: 10 });
    const r = await jiraTickets(settings()).create(ticket, 'nolookup-1', T0);
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'unavailable' }) });
    expect(jira.calls('POST', /\/issue$/)).toHaveLength(0);
    expect(jira.calls('POST', /\/search\/jql$/)).toHaveLength(3); // the search is idempotent: retried
  });

  test('a create Jira refuses (400) is not repeated; the user is told to ask IT', async () => {
    const r = await jiraTickets(settings({ issueType: 'Epic' })).create(ticket, 'bad-1', T0);
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'conflict', message: expect.stringMatching(/ask IT to check the HELP project/) }) });
    expect(r.ok || r.error.detail).toMatch(/issuetype: valid issue type is required/);
    // The user is told to ask IT; IT finds Jira's own words in the log.
    expect(lines.join('\n')).toMatch(/jira: create an issue failed \(conflict\): HTTP 400: issuetype: valid issue type is required/);
    expect(jira.calls('POST', /\/issue$/)).toHaveLength(1);
  });

  test('a project without a priority field: the ticket is opened without it, its priority in words', async () => {
    jira.createScreen = ['project', 'issuetype', 'summary', 'description', 'labels'];
    const r = await jiraTickets(settings()).create(ticket, 'noprio-1', T0);
    expect(r.ok && r.value.priority).toBe('high');
    expect(jira.created()).toHaveLength(1);
    expect(JSON.stringify(jira.created()[0]!.description)).toContain('Priority: High.');
    const posts = jira.calls('POST', /\/issue$/).map((p) => Object.keys((p.body as { fields: object }).fields));
    expect(posts).toEqual([expect.arrayContaining(['priority']), expect.not.arrayContaining(['priority'])]);
    // Labels are not optional: without them there is no idempotency, so no ticket.
    jira.createScreen = ['project', 'issuetype', 'summary', 'description'];
    const refused = await jiraTickets(settings()).create(ticket, 'nolabels-1', T0);
    expect(refused).toEqual({ ok: false, error: expect.objectContaining({ code: 'conflict' }) });
    expect(jira.created()).toHaveLength(1);
  });

  test('a wrong token: forbidden in plain words, and the token is in no log line', async () => {
    const r = await jiraTickets(settings({ apiToken: 'ATATT-wrong-token-0123456789' })).create(ticket, 'auth-1', T0);
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden', message: "Jira refused Sentinel's token: ask IT to check JIRA_EMAIL and JIRA_API_TOKEN." }) });
    expect(jira.calls('POST', /\/issue$/)).toHaveLength(0);
    const log = lines.join('\n');
    expect(log).not.toContain('ATATT-wrong-token');
    expect(log).not.toContain(Buffer.from(`${jira.email}:ATATT-wrong-token-0123456789`).toString('base64'));
  });

  test('no permission to create: forbidden, naming what to grant', async () => {
    jira.canCreate = false;
    const r = await jiraTickets(settings()).create(ticket, 'perm-1', T0);
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden', message: expect.stringMatching(/does not let Sentinel's account open tickets in project HELP/) }) });
  });

  test('Jira unreachable: unavailable, naming JIRA_BASE_URL', async () => {
    const url = jira.url;
    await jira.close();
    const r = await jiraTickets(settings({ baseUrl: url })).create(ticket, 'gone-1', T0);
    jira = await LoopbackJira.start();
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'unavailable', message: expect.stringMatching(/JIRA_BASE_URL/) }) });
  });
});

describe('get and list', () => {
  test('status, category, assignee and dates come from the issue; keys of another project are nobody', async () => {
    const tickets = jiraTickets(settings());
    const made = await tickets.create(ticket, 'g-1', T0);
    const key = made.ok ? made.value.id : '';
    jira.transition(key, 'Waiting for customer', 'indeterminate');
    jira.assign(key, 'Sam Admin');
    const r = await tickets.get(key.toLowerCase());
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ id: key, status: 'Waiting for customer', statusCategory: 'in_progress', assignee: 'Sam Admin', requester: 'alice', summary: ticket.summary }) });
    const get = jira.calls('GET', /\/issue\//).at(-1)!;
    expect(get.query.fields!.split(',')).toEqual(expect.arrayContaining(['status', 'assignee', 'comment', 'reporter', 'labels']));
    jira.transition(key, 'Done', 'done');
    expect((await tickets.get(key)).ok && ((await tickets.get(key)) as { value: { statusCategory: string } }).value.statusCategory).toBe('done');
    expect(await tickets.get('HELP-999')).toEqual({ ok: true, value: null });
    const before = jira.requests.length;
    expect(await tickets.get('IT-1')).toEqual({ ok: true, value: null });
    expect(jira.requests.length).toBe(before);
    expect(tickets.keyPattern.test('help-12')).toBe(true);
    expect(tickets.keyPattern.test('IT-12')).toBe(false);
  });

  test('an issue opened in Jira itself belongs to nobody in the directory (only admins may look)', async () => {
    const seeded = jira.seed({ summary: 'Printer on fire' });
    const r = await jiraTickets(settings()).get(seeded.key);
    expect(r.ok && r.value?.requester).toBe('jira:712020:human-reporter');
  });

  test("a user's tickets: only those Sentinel opened for them, latest update first", async () => {
    const tickets = jiraTickets(settings());
    await tickets.create({ ...ticket, summary: 'first' }, 'l-1', T0);
    await tickets.create({ ...ticket, requester: 'bob', summary: 'bob' }, 'l-2', T0);
    await tickets.create({ ...ticket, summary: 'second' }, 'l-3', T0);
    jira.seed({ summary: 'not Sentinel', labels: ['sentinel'] });
    await new Promise((r) => setTimeout(r, 5));
    jira.comment('HELP-1', 'Sam', 'on it');
    const r = await tickets.listByRequester('alice', 10);
    expect(r.ok && r.value.map((t) => t.summary)).toEqual(['first', 'second']);
    const ids = await tickets.listByRequester('alice@example.com', 10);
    expect(ids).toEqual({ ok: true, value: [] });
    expect(requesterLabel('Ann Marie')).toBe('sentinel-forx-416e6e204d61726965');
    expect(requesterLabel('00ub0oNGTSWTBKOLGLNR')).toMatch(/^sentinel-forx-[0-9a-f]+$/);
    await tickets.create({ ...ticket, requester: 'Ann Marie' }, 'l-4', T0);
    const ann = await tickets.listByRequester('Ann Marie', 10);
    expect(ann.ok && ann.value.map((t) => t.requester)).toEqual(['Ann Marie']);
    // An Okta user id keeps its case through the label, and a case-folded twin owns nothing.
    const okta = await tickets.create({ ...ticket, requester: '00ub0oNGTSWTBKOLGLNR' }, 'l-5', T0);
    expect(okta.ok && (await tickets.get(okta.value.id))).toEqual({ ok: true, value: expect.objectContaining({ requester: '00ub0oNGTSWTBKOLGLNR' }) });
    expect(await tickets.listByRequester('00ub0ongtswtbkolglnr', 10)).toEqual({ ok: true, value: [] });
  });

  test('reads are retried on 5xx and 429 (Retry-After honoured), then succeed', async () => {
    const tickets = jiraTickets(settings());
    await tickets.create(ticket, 'r-1', T0);
    jira.fail({ method: 'GET', status: 503 });
    jira.fail({ method: 'GET', status: 429, retryAfter: 1 });
    const r = await tickets.get('HELP-1');
    expect(r.ok && r.value?.id).toBe('HELP-1');
    const gets = jira.calls('GET', /\/issue\/HELP-1$/);
    expect(gets.length).toBeGreaterThanOrEqual(3);
    expect(gets.at(-1)!.at - gets.at(-2)!.at).toBeGreaterThanOrEqual(950);
  });

  test('a read that keeps timing out: unavailable after the retries', async () => {
    jira.fail({ method: 'GET', delayMs: 1500, times: 3 });
    const r = await jiraTickets(settings()).get('HELP-1');
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'unavailable', message: expect.stringMatching(/did not answer in time/) }) });
    expect(jira.calls('GET', /\/issue\//)).toHaveLength(3);
  });
});
