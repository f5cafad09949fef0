import { APPROVE_ACTION, DENY_ACTION } from '../apps/slack/blocks/approval-card';
import { dmChannelOf } from './support/loopback-slack';
import { APPROVALS_CHANNEL, PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

let f: SlackFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const homeText = (fx: SlackFixture, user: string) => JSON.stringify(fx.slack.state.views.get(user) ?? {});
/** Opens `user`'s Home tab and waits until a view drawn after the call satisfies `ok`. */
async function openHome(fx: SlackFixture, user: string, ok: (text: string) => boolean = () => true): Promise<string> {
  fx.slack.state.views.delete(user);
  fx.slack.openHomeTab(user);
  return fx.slack.waitFor(() => {
    const t = homeText(fx, user);
    return fx.slack.state.views.has(user) && ok(t) ? t : undefined;
  });
}
const started = (fx: SlackFixture, tool: string) =>
  (fx.sentinel.database.sqlite.prepare(`select count(*) n from audit where kind = 'execution_started' and json_extract(data, '$.tool') = ?`).get(tool) as { n: number }).n;

/** alice asks for github access: a pending request waiting for an IT admin. Returns its id and her thread. */
async function aliceAsksForAccess(fx: SlackFixture): Promise<{ id: string; channel: string; ts: string }> {
  const m = fx.slack.dm(PEOPLE.alice.id, 'I need read access to github for 8 hours');
  await fx.slack.replies(m.channel, m.ts);
  const { id } = fx.sentinel.database.sqlite.prepare("select id from approvals where status = 'pending'").get() as { id: string };
  await fx.slack.waitFor(() => fx.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]);
  return { id, channel: m.channel, ts: m.ts };
}

describe('App Home per viewer (loopback Slack)', () => {
  test('each person sees their own: an admin the requests waiting for them, a requester their requests and tickets', async () => {
    f = await slackFixture();
    const { id } = await aliceAsksForAccess(f);
    const sam = await openHome(f, PEOPLE.sam.id);
    expect(sam).toMatch(/Waiting for you \(1\)/);
    expect(sam).toContain(id);
    expect(sam).toMatch(/grant alice read access to github for 8 h/);
    expect(sam).toMatch(/signed in as \*admin\*/);

    const alice = await openHome(f, PEOPLE.alice.id);
    expect(alice).not.toMatch(/Waiting for you/);
    expect(alice).toMatch(/My requests/);
    expect(alice).toMatch(/⏳ waiting · grant alice read access to github for 8 h/);
    expect(alice).toMatch(/IT-1042/); // her ticket
    expect(alice).toMatch(/You have no time-bound access right now/);
    expect(alice).not.toContain(APPROVE_ACTION);

    const intern = await openHome(f, PEOPLE.intern.id);
    expect(intern).not.toContain(id);
    expect(intern).toMatch(/You have not asked for anything/);
    const guest = await openHome(f, PEOPLE.guestAlias.id);
    expect(guest).not.toContain(id);
    expect(guest).toMatch(/signed in as \*guest\*/);
  });

  test('Approve from Home runs once, updates the card and the requester\'s thread, and redraws the Home tab', async () => {
    f = await slackFixture();
    const fx = f;
    const { id, channel, ts } = await aliceAsksForAccess(fx);
    await openHome(fx, PEOPLE.sam.id, (t) => t.includes(id));
    await fx.slack.clickInHome(PEOPLE.sam.id, APPROVE_ACTION, id);
    const [, result] = await fx.slack.replies(channel, ts, 2);
    expect(result!.text).toMatch(/read access to github/);
    // Every copy of the card shows the decision.
    const card = await fx.slack.waitFor(() => {
      const c = fx.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]!;
      return c.updates > 0 && /Approved/i.test(JSON.stringify(c.blocks)) ? c : undefined;
    });
    expect(JSON.stringify(card.blocks)).not.toContain(APPROVE_ACTION);
    // sam's Home was drawn again without it.
    await fx.slack.waitFor(() => (/Waiting for you \(0\)/.test(homeText(fx, PEOPLE.sam.id)) ? true : undefined));
    // The stale Home button and the card's button again: refused, nothing runs twice.
    await fx.slack.clickInHome(PEOPLE.sam.id, APPROVE_ACTION, id, { force: true });
    await fx.slack.waitFor(() => (/already decided|was already/i.test(homeText(fx, PEOPLE.sam.id)) ? true : undefined));
    await fx.slack.click(PEOPLE.cto.id, fx.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]!, APPROVE_ACTION, { value: id });
    await fx.slack.waitFor(() => (fx.slack.state.ephemerals.some((e) => e.user === PEOPLE.cto.id) ? true : undefined));
    expect(started(fx, 'provision_access')).toBe(1);
    const alice = await openHome(fx, PEOPLE.alice.id);
    expect(alice).toMatch(/✅ approved · grant alice read access to github/);
    // Her access, in force, with its expiry.
    expect(alice).toMatch(/My access/);
    expect(alice).toMatch(/\*github\* read until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  });

  test('open Home tabs are drawn again when requests change: a new request, a decision on the card', async () => {
    f = await slackFixture();
    const fx = f;
    await openHome(fx, PEOPLE.sam.id, (t) => /Waiting for you \(0\)/.test(t));
    await openHome(fx, PEOPLE.alice.id);
    const { id } = await aliceAsksForAccess(fx);
    // Nobody reopened anything.
    await fx.slack.waitFor(() => (homeText(fx, PEOPLE.sam.id).includes(id) ? true : undefined));
    await fx.slack.waitFor(() => (/⏳ waiting · grant alice/.test(homeText(fx, PEOPLE.alice.id)) ? true : undefined));
    await fx.slack.click(PEOPLE.cto.id, fx.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]!, APPROVE_ACTION);
    await fx.slack.waitFor(() => (/Waiting for you \(0\)/.test(homeText(fx, PEOPLE.sam.id)) ? true : undefined));
    await fx.slack.waitFor(() => (/✅ approved · grant alice/.test(homeText(fx, PEOPLE.alice.id)) ? true : undefined));
    // The intern never opened Home: nothing is drawn for them.
    expect(fx.slack.state.views.has(PEOPLE.intern.id)).toBe(false);
  });

  test('a forged Home click by someone who may not decide is refused on their Home tab; nothing runs', async () => {
    f = await slackFixture();
    const fx = f;
    const { id, channel } = await aliceAsksForAccess(fx);
    await openHome(fx, PEOPLE.intern.id);
    await fx.slack.clickInHome(PEOPLE.intern.id, APPROVE_ACTION, id, { force: true });
    const intern = await fx.slack.waitFor(() => {
      const t = homeText(fx, PEOPLE.intern.id);
      return /information_source/.test(t) ? t : undefined;
    });
    expect(intern).not.toMatch(/alice read access/); // refused without learning what the request is
    await fx.slack.clickInHome(PEOPLE.intern.id, DENY_ACTION, id, { force: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(fx.sentinel.database.sqlite.prepare('select status from approvals where id = ?').get(id)).toEqual({ status: 'pending' });
    expect(started(fx, 'provision_access')).toBe(0);
    expect(fx.slack.botMessages({ channel: dmChannelOf(PEOPLE.intern.id) })).toHaveLength(0);
    expect(channel).toBe(dmChannelOf(PEOPLE.alice.id));
  });
});
