import { homesOfApprovers, enqueueHomeRefresh, markSent, settleAndClaim } from '../db/outbox';
import { openSentinel } from './support/harness';
import { runEntryAsync } from './support/processes';
import { APPROVALS_CHANNEL, PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

let f: SlackFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const homeText = (fx: SlackFixture, user: string) => JSON.stringify(fx.slack.state.views.get(user) ?? {});
async function openHome(fx: SlackFixture, user: string, ok: (text: string) => boolean = () => true): Promise<void> {
  fx.slack.state.views.delete(user);
  fx.slack.openHomeTab(user);
  await fx.slack.waitFor(() => (fx.slack.state.views.has(user) && ok(homeText(fx, user)) ? true : undefined));
}
const shows = (fx: SlackFixture, user: string, re: RegExp) => fx.slack.waitFor(() => (re.test(homeText(fx, user)) ? true : undefined));
const cli = (fx: SlackFixture, args: string[]) => runEntryAsync('apps/cli/main.ts', args, { SENTINEL_DB: fx.dbPath, SENTINEL_LLM: 'offline' });
const refreshes = (fx: SlackFixture) =>
  (fx.sentinel.database.sqlite.prepare("select json_extract(body, '$.user') user, status from outbox where kind = 'home_refresh' order by id").all() as Array<{ user: string; status: string }>);

describe('Home tabs are redrawn through the outbox when what they show changes, by any process', () => {
  test("a decision made by a CLI process on the same database redraws the approver's and the requester's open Home", async () => {
    f = await slackFixture();
    const fx = f;
    const m = fx.slack.dm(PEOPLE.alice.id, 'I need read access to github for 8 hours');
    await fx.slack.replies(m.channel, m.ts);
    await fx.slack.waitFor(() => fx.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]);
    const { id } = fx.sentinel.database.sqlite.prepare("select id from approvals where status = 'pending'").get() as { id: string };
    await openHome(fx, PEOPLE.sam.id, (t) => t.includes(id) && /Waiting for you \(1\)/.test(t));
    await openHome(fx, PEOPLE.alice.id, (t) => /⏳ waiting · grant alice read access to github/.test(t));
    const publishes = () => fx.slack.state.calls.filter((c) => c.method === 'views.publish').length;
    const before = publishes();

    // sam approves from a terminal: another process, the same SQLite file. Nobody touches Slack.
    const r = await cli(fx, ['--as', 'sam', '--json', '--approve', id]);
    expect(r.code).toBe(0);
    await shows(fx, PEOPLE.sam.id, /Waiting for you \(0\)/);
    await shows(fx, PEOPLE.alice.id, /✅ approved · grant alice read access to github/);
    await shows(fx, PEOPLE.alice.id, /\*github\* read until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(publishes()).toBeGreaterThan(before);
    // Queued by the CLI, in its transaction: the requester, the decider, the request's approvers (which the
    // app turns into one refresh per approver: sam and cto); all sent by the app.
    await fx.slack.waitFor(() => (refreshes(fx).every((x) => x.status === 'sent') ? true : undefined));
    expect(new Set(refreshes(fx).map((x) => x.user))).toEqual(new Set(['alice', 'sam', 'cto', homesOfApprovers(id)]));
    // The intern never opened Home and was not concerned: nothing is drawn for them.
    expect(fx.slack.state.views.has(PEOPLE.intern.id)).toBe(false);
  });

  test("a new request reaches every approver's Home, opened lately or never, and leaves the others' once one decides", async () => {
    f = await slackFixture();
    const fx = f;
    // Nobody opened Home: the approvers (sam, cto) are drawn because the request is theirs to answer.
    const m = fx.slack.dm(PEOPLE.alice.id, 'I need read access to github for 8 hours');
    await fx.slack.replies(m.channel, m.ts);
    const { id } = await fx.slack.waitFor(() => fx.sentinel.database.sqlite.prepare("select id from approvals where status = 'pending'").get() as { id: string } | undefined);
    await shows(fx, PEOPLE.sam.id, new RegExp(`Waiting for you \\(1\\)[^]*${id}`));
    await shows(fx, PEOPLE.cto.id, new RegExp(`Waiting for you \\(1\\)[^]*${id}`));

    const r = await cli(fx, ['--as', 'sam', '--json', '--approve', id]);
    expect(r.code).toBe(0);
    // cto never touched it, and no process saw cto open Home: it is gone from their list all the same.
    await shows(fx, PEOPLE.cto.id, /Waiting for you \(0\)/);
    expect(homeText(fx, PEOPLE.cto.id)).not.toContain(id);
    // Not an approver of it, and not concerned: nothing drawn for the intern; the requester is no approver of her own request.
    expect(fx.slack.state.views.has(PEOPLE.intern.id)).toBe(false);
    expect(homeText(fx, PEOPLE.alice.id)).not.toMatch(/Waiting for you \(1\)/);
  });

  test('a ticket opened through the CLI shows on the requester’s open Home', async () => {
    f = await slackFixture();
    const fx = f;
    await openHome(fx, PEOPLE.alice.id, (t) => /IT-1042/.test(t));
    const r = await cli(fx, ['--as', 'alice', '--json', 'please create a support ticket: outlook keeps crashing when I open attachments']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).executed).toEqual([expect.objectContaining({ tool: 'create_support_ticket', ok: true })]);
    await shows(fx, PEOPLE.alice.id, /outlook keeps crashing/i);
  });
});

describe('home_refresh rows are coalesced per person', () => {
  test('one pending refresh per person; a claimed one does not absorb a later change', () => {
    const s = openSentinel();
    try {
      const db = s.database.db;
      const pending = () => s.database.sqlite.prepare("select conversation_id c from outbox where kind = 'home_refresh' and status = 'pending' order by c").all();
      enqueueHomeRefresh(db, ['alice', 'alice', homesOfApprovers('A1'), null], 1);
      enqueueHomeRefresh(db, ['alice', 'sam'], 2);
      expect(pending()).toEqual([{ c: 'home:alice' }, { c: 'home:approvers:A1' }, { c: 'home:sam' }]);
      // Claimed (being drawn, possibly from what was read before the next change): the next change queues another.
      const claimed = settleAndClaim(db, 'me', Date.now(), [], 60_000, 10);
      expect(claimed).toHaveLength(3);
      enqueueHomeRefresh(db, ['alice'], 3);
      expect(pending()).toEqual([{ c: 'home:alice' }]);
      for (const row of claimed) markSent(db, row.id, 'me', Date.now());
      enqueueHomeRefresh(db, ['alice', 'sam'], 4);
      expect(pending()).toEqual([{ c: 'home:alice' }, { c: 'home:sam' }]);
    } finally {
      void s.close();
    }
  });
});
