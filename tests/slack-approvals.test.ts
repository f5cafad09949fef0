import { eq } from 'drizzle-orm';
import { approvals, deviceCommands, devices, grants } from '../db/schema';
import { APPROVE_ACTION, DENY_ACTION } from '../apps/slack/blocks/approval-card';
import { testClock } from './support/harness';
import { dmChannelOf, type PostedMessage } from './support/loopback-slack';
import { APPROVALS_CHANNEL, PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

let f: SlackFixture;
afterEach(async () => {
  await f?.close();
});

const hasButtons = (m: PostedMessage) => (m.blocks ?? []).some((b) => b.type === 'actions');
const cardText = (m: PostedMessage) => JSON.stringify(m.blocks);

async function requestWipe(fx: SlackFixture, text = 'wipe my laptop') {
  const request = fx.slack.dm(PEOPLE.alice.id, text);
  const [waiting] = await fx.slack.replies(request.channel, request.ts);
  const [card] = await fx.slack.waitFor(() => {
    const cards = fx.slack.botMessages({ channel: APPROVALS_CHANNEL });
    return cards.length ? cards : undefined;
  });
  return { request, waiting: waiting!, card: card! };
}

const wipes = (fx: SlackFixture) => fx.sentinel.database.db.select().from(deviceCommands).where(eq(deviceCommands.command, 'wipe')).all();

async function ephemeralFor(fx: SlackFixture, user: string, n = 1) {
  return fx.slack.waitFor(() => {
    const list = fx.slack.state.ephemerals.filter((e) => e.user === user);
    return list.length >= n ? list[n - 1] : undefined;
  });
}

describe('approvals in Slack', () => {
  test('a wipe request posts a card; the requester and a guest are refused; an admin approves once', async () => {
    f = await slackFixture();
    const { request, waiting, card } = await requestWipe(f, 'please wipe my laptop <!channel> <http://evil.example|click here>');
    expect(waiting.text).toMatch(/needs approval from an IT admin/);
    expect(waiting.text).toContain(`<#${APPROVALS_CHANNEL}>`);
    // The card says what, on which target, for whom, why, risk and expiry; the buttons carry only the id.
    expect(cardText(card)).toMatch(/wipe LAPTOP-ALICE-01/);
    expect(cardText(card)).toContain('device LAPTOP-ALICE-01 (owner: alice)');
    expect(cardText(card)).toContain(`<@${PEOPLE.alice.id}>`);
    expect(cardText(card)).toMatch(/cannot be undone/);
    expect(cardText(card)).toMatch(/<!date\^\d+\^/);
    // The requester's words are quoted, with Slack's control syntax neutralised.
    expect(cardText(card)).toContain('\\n> please wipe my laptop &lt;!channel&gt; &lt;http://evil.example|click here&gt;');
    const approval = f.sentinel.database.db.select().from(approvals).get()!;
    const buttons = card.blocks!.find((b) => b.type === 'actions')!.elements as Array<{ value: string }>;
    expect(buttons.map((b) => b.value)).toEqual([approval.id, approval.id]);

    // The requester cannot approve their own request.
    const own = await f.slack.click(PEOPLE.alice.id, card, APPROVE_ACTION);
    expect(own.ackMs).toBeGreaterThanOrEqual(0);
    expect((await ephemeralFor(f, PEOPLE.alice.id)).text).toMatch(/cannot approve your own request/i);
    // A guest in Slack is refused even when their email is an admin's in the directory... and a stranger too.
    await f.slack.click(PEOPLE.guestAlias.id, card, APPROVE_ACTION);
    expect((await ephemeralFor(f, PEOPLE.guestAlias.id)).text).toMatch(/guest accounts cannot approve/i);
    await f.slack.click(PEOPLE.stranger.id, card, APPROVE_ACTION);
    expect((await ephemeralFor(f, PEOPLE.stranger.id)).text).toMatch(/guest accounts cannot approve/i);
    expect(wipes(f)).toHaveLength(0);

    // An admin approves: the wipe runs once, the card shows who and when, the requester hears the result.
    await f.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION);
    const thread = await f.slack.replies(request.channel, request.ts, 2);
    expect(thread[1]!.text).toMatch(/Approved by sam/);
    expect(thread[1]!.text).toMatch(/LAPTOP-ALICE-01/);
    const updated = await f.slack.waitFor(() => (card.updates > 0 ? card : undefined));
    expect(hasButtons(updated)).toBe(false);
    expect(cardText(updated)).toMatch(new RegExp(`Approved by <@${PEOPLE.sam.id}>`));
    expect(wipes(f)).toHaveLength(1);
    expect(f.sentinel.database.db.select().from(devices).where(eq(devices.id, 'LAPTOP-ALICE-01')).get()!.status).toBe('wiped');

    // A double click on the stale card, and the same click delivered again, run nothing more.
    const stale = { ...card, blocks: JSON.parse(JSON.stringify(card.blocks)) as PostedMessage['blocks'] };
    await f.slack.click(PEOPLE.sam.id, stale, APPROVE_ACTION, { value: approval.id });
    await f.slack.click(PEOPLE.cto.id, stale, APPROVE_ACTION, { value: approval.id });
    expect((await ephemeralFor(f, PEOPLE.sam.id)).text).toMatch(/already/i);
    expect((await ephemeralFor(f, PEOPLE.cto.id)).text).toMatch(/already/i);
    await f.sentinel.runner.idle();
    expect(wipes(f)).toHaveLength(1);
    expect(card.updates).toBe(1);
    expect(f.slack.botMessages({ channel: request.channel, threadTs: request.ts })).toHaveLength(2);
  });

  test('concurrent Approve and Deny clicks by two admins resolve to one outcome', async () => {
    f = await slackFixture();
    const { request, card } = await requestWipe(f);
    await Promise.all([f.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION), f.slack.click(PEOPLE.cto.id, card, DENY_ACTION)]);
    const thread = await f.slack.replies(request.channel, request.ts, 2);
    await f.sentinel.runner.idle();
    const row = f.sentinel.database.db.select().from(approvals).get()!;
    expect(['approved', 'denied']).toContain(row.status);
    expect(wipes(f)).toHaveLength(row.status === 'approved' ? 1 : 0);
    // The loser is told, privately; the requester hears one outcome.
    const loser = row.decidedBy === 'sam' ? PEOPLE.cto.id : PEOPLE.sam.id;
    expect((await ephemeralFor(f, loser)).text).toMatch(/already/i);
    expect(thread).toHaveLength(2);
  });

  test('Deny explains to the requester and grants nothing', async () => {
    f = await slackFixture();
    const request = f.slack.dm(PEOPLE.alice.id, 'I need write access to aws-prod for 8 hours');
    await f.slack.replies(request.channel, request.ts);
    const card = await f.slack.waitFor(() => f.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]);
    await f.slack.click(PEOPLE.sam.id, card, DENY_ACTION);
    const thread = await f.slack.replies(request.channel, request.ts, 2);
    expect(thread[1]!.text).toMatch(/declined by sam, so nothing was done/);
    await f.slack.waitFor(() => (card.updates ? true : undefined));
    expect(cardText(card)).toMatch(/Denied by/);
    expect(f.sentinel.database.db.select().from(grants).all()).toHaveLength(0);
  });

  test('a restart between request and approval loses nothing: the click after the restart works', async () => {
    f = await slackFixture();
    const { request, card } = await requestWipe(f);
    await f.restart();
    await f.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION);
    const thread = await f.slack.replies(request.channel, request.ts, 2);
    expect(thread[1]!.text).toMatch(/Approved by sam/);
    await f.slack.waitFor(() => (card.updates ? true : undefined));
    expect(wipes(f)).toHaveLength(1);
    expect(f.slack.link.hellos).toBe(2);
  });

  test('with no approvers channel, cards go to each admin by DM and all copies are updated', async () => {
    f = await slackFixture({ approvalsChannel: null });
    const request = f.slack.dm(PEOPLE.alice.id, 'wipe my laptop');
    const [waiting] = await f.slack.replies(request.channel, request.ts);
    expect(waiting!.text).toMatch(new RegExp(`Waiting for approval from .*<@${PEOPLE.sam.id}>`));
    expect(waiting!.text).toContain(`<@${PEOPLE.cto.id}>`);
    const samCard = (await f.slack.waitFor(() => f.slack.botMessages({ channel: dmChannelOf(PEOPLE.sam.id) })[0]))!;
    const ctoCard = (await f.slack.waitFor(() => f.slack.botMessages({ channel: dmChannelOf(PEOPLE.cto.id) })[0]))!;
    await f.slack.click(PEOPLE.cto.id, ctoCard, APPROVE_ACTION);
    await f.slack.replies(request.channel, request.ts, 2);
    await f.slack.waitFor(() => (samCard.updates && ctoCard.updates ? true : undefined));
    expect(hasButtons(samCard)).toBe(false);
    expect(cardText(samCard)).toContain(`Approved by <@${PEOPLE.cto.id}>`);
    expect(wipes(f)).toHaveLength(1);
  });

  test('an admin confirms their own irreversible action in their own thread; nobody else can', async () => {
    f = await slackFixture();
    const request = f.slack.dm(PEOPLE.sam.id, 'wipe my laptop');
    const [reply, confirm] = await f.slack.replies(request.channel, request.ts, 2);
    expect([reply!.text, confirm!.text].join(' ')).toMatch(/Please confirm/);
    const card = [reply!, confirm!].find(hasButtons)!;
    expect(f.slack.botMessages({ channel: APPROVALS_CHANNEL })).toHaveLength(0);
    await f.slack.click(PEOPLE.cto.id, card, APPROVE_ACTION);
    expect((await ephemeralFor(f, PEOPLE.cto.id)).text).toMatch(/only .*requester|confirm/i);
    expect(wipes(f)).toHaveLength(0);
    await f.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION);
    await f.slack.replies(request.channel, request.ts, 3);
    await f.slack.waitFor(() => (card.updates ? true : undefined));
    expect(wipes(f)).toHaveLength(1);
  });

  test('an expired request: the sweeper updates the card and tells the requester; a late click is refused', async () => {
    const clock = testClock();
    f = await slackFixture({ now: clock.now });
    const { request, card } = await requestWipe(f);
    clock.advance(25 * 3_600_000);
    expect((await f.sentinel.runner.sweep()).expiredApprovals).toBe(1);
    const thread = await f.slack.replies(request.channel, request.ts, 2);
    expect(thread[1]!.text).toMatch(/expired without a decision/);
    await f.slack.waitFor(() => (card.updates ? true : undefined));
    expect(cardText(card)).toMatch(/Expired without a decision/);
    expect(hasButtons(card)).toBe(false);
    await f.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION, { value: f.sentinel.database.db.select().from(approvals).get()!.id });
    expect((await ephemeralFor(f, PEOPLE.sam.id)).text).toMatch(/expired/);
    expect(wipes(f)).toHaveLength(0);
  });

  test('forged buttons are refused privately and change nothing', async () => {
    f = await slackFixture();
    const { card } = await requestWipe(f);
    await f.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION, { value: 'apr_doesnotexist' });
    expect((await ephemeralFor(f, PEOPLE.sam.id)).text).toMatch(/no approval request/i);
    await f.slack.click(PEOPLE.sam.id, card, DENY_ACTION, { value: '{"tool":"execute_remote_command"}' });
    expect((await ephemeralFor(f, PEOPLE.sam.id, 2)).text).toMatch(/does not belong/);
    expect(f.sentinel.database.db.select().from(approvals).get()!.status).toBe('pending');
    expect(card.updates).toBe(0);
  });
});
