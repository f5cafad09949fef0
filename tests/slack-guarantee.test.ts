import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { approvals, deviceCommands, devices, directory } from '../db/schema';
import { outboxRows } from '../db/outbox';
import { APPROVE_ACTION, DENY_ACTION } from '../apps/slack/blocks/approval-card';
import { testClock } from './support/harness';
import { dmChannelOf, type PostedMessage } from './support/loopback-slack';
import { runEntry } from './support/processes';
import { APPROVALS_CHANNEL, PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

// Issue 10 through the real transports: the unmodified Bolt app against the loopback Slack, the CLI as
// a child process on the same SQLite file; judged from the database and from what Slack received.

let f: SlackFixture;
afterEach(async () => {
  await f?.close();
});

const hasButtons = (m: PostedMessage) => (m.blocks ?? []).some((b) => b.type === 'actions');
const cardText = (m: PostedMessage) => JSON.stringify(m.blocks);
const wipes = (fx: SlackFixture) => fx.sentinel.database.db.select().from(deviceCommands).where(eq(deviceCommands.command, 'wipe')).all();
const onlyApproval = (fx: SlackFixture) => fx.sentinel.database.db.select().from(approvals).get()!;

async function ephemeralFor(fx: SlackFixture, user: string, n = 1) {
  return fx.slack.waitFor(() => {
    const list = fx.slack.state.ephemerals.filter((e) => e.user === user);
    return list.length >= n ? list[n - 1] : undefined;
  });
}

/** An admin asks to wipe someone else's laptop in their DM: the Confirm card lands in their own thread. */
async function ctoAsksToWipeAlice(fx: SlackFixture) {
  const request = fx.slack.dm(PEOPLE.cto.id, 'wipe LAPTOP-ALICE-01, it was stolen');
  const thread = await fx.slack.replies(request.channel, request.ts, 2);
  return { request, card: thread.find(hasButtons)! };
}

async function aliceAsksToWipe(fx: SlackFixture) {
  const request = fx.slack.dm(PEOPLE.alice.id, 'wipe my laptop');
  await fx.slack.replies(request.channel, request.ts);
  const card = await fx.slack.waitFor(() => fx.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]);
  return { request, card };
}

describe('who may decide, checked again at every click', () => {
  test('a Slack guest carrying an admin’s email can neither confirm nor cancel that admin’s confirmation', async () => {
    f = await slackFixture();
    const { request, card } = await ctoAsksToWipeAlice(f);
    await f.slack.click(PEOPLE.guestCto.id, card, APPROVE_ACTION);
    expect((await ephemeralFor(f, PEOPLE.guestCto.id)).text).toMatch(/guest accounts cannot approve other people's requests/i);
    await f.slack.click(PEOPLE.guestCto.id, card, DENY_ACTION);
    expect((await ephemeralFor(f, PEOPLE.guestCto.id, 2)).text).toMatch(/guest accounts cannot deny other people's requests/i);
    expect(onlyApproval(f).status).toBe('pending');
    expect(wipes(f)).toHaveLength(0);
    // The real requester still can.
    await f.slack.click(PEOPLE.cto.id, card, APPROVE_ACTION);
    await f.slack.replies(request.channel, request.ts, 3);
    expect(wipes(f)).toHaveLength(1);
  });

  test('an admin demoted after asking cannot confirm their own wipe; the refusal is audited', async () => {
    f = await slackFixture();
    const { card } = await ctoAsksToWipeAlice(f);
    f.sentinel.database.db.update(directory).set({ role: 'employee' }).where(eq(directory.id, 'cto')).run();
    await f.slack.click(PEOPLE.cto.id, card, APPROVE_ACTION);
    expect((await ephemeralFor(f, PEOPLE.cto.id)).text).toMatch(/no longer allowed/i);
    expect(onlyApproval(f).status).toBe('pending');
    expect(wipes(f)).toHaveLength(0);
    const refused = f.sentinel.database.sqlite.prepare("select data from audit where kind = 'approval_refused'").all() as Array<{ data: string }>;
    expect(refused.map((r) => JSON.parse(r.data))).toEqual([expect.objectContaining({ decision: 'approve', role: 'employee' })]);
  });

  test('an approver demoted after the card was posted cannot approve it', async () => {
    f = await slackFixture();
    const { card } = await aliceAsksToWipe(f);
    f.sentinel.database.db.update(directory).set({ role: 'employee' }).where(eq(directory.id, 'sam')).run();
    await f.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION);
    expect((await ephemeralFor(f, PEOPLE.sam.id)).text).toMatch(/only it admins/i);
    expect(onlyApproval(f).status).toBe('pending');
  });

  test('a guest with an admin’s email who DMs the bot does not redirect that admin’s approval cards', async () => {
    f = await slackFixture({ approvalsChannel: null });
    const hello = f.slack.dm(PEOPLE.guestSam.id, 'hello');
    await f.slack.replies(hello.channel, hello.ts);
    const request = f.slack.dm(PEOPLE.alice.id, 'wipe my laptop');
    const [waiting] = await f.slack.replies(request.channel, request.ts);
    await f.slack.waitFor(() => f.slack.botMessages({ channel: dmChannelOf(PEOPLE.sam.id) })[0]);
    expect(waiting!.text).toContain(`<@${PEOPLE.sam.id}>`);
    expect(waiting!.text).not.toContain(PEOPLE.guestSam.id);
    expect(f.slack.botMessages({ channel: dmChannelOf(PEOPLE.guestSam.id) }).filter(hasButtons)).toHaveLength(0);
  });

  test('when Slack’s only account with an admin’s email is a guest, no card goes to it', async () => {
    f = await slackFixture({ approvalsChannel: null });
    f.slack.state.users.delete(PEOPLE.sam.id);
    const request = f.slack.dm(PEOPLE.alice.id, 'wipe my laptop');
    const [waiting] = await f.slack.replies(request.channel, request.ts);
    expect(waiting!.text).toContain(`<@${PEOPLE.cto.id}>`);
    for (const guest of [PEOPLE.guestSam.id, PEOPLE.stranger.id]) expect(f.slack.botMessages({ channel: dmChannelOf(guest) })).toHaveLength(0);
  });

  test('a look-alike email (KELVIN SIGN for K) is not the directory user it folds into', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-dir-'));
    const file = path.join(dir, 'directory.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ users: [{ id: 'kate', email: 'kate@example.com', name: 'Kate', role: 'admin' }, { id: 'alice', email: 'alice@example.com', name: 'Alice', role: 'employee' }] }),
    );
    f = await slackFixture({ env: { SENTINEL_DIRECTORY: file } });
    f.slack.addUser({ id: 'U0FAKEKATE', name: 'kate', email: '\u212Aate@example.com' });
    f.slack.addUser({ id: 'U0KATE', name: 'kate', email: 'Kate@Example.com' });
    expect(await f.app.identity.actorFor('U0FAKEKATE')).toEqual({ id: 'slack:U0FAKEKATE', role: 'guest' });
    expect(await f.app.identity.actorFor('U0KATE')).toMatchObject({ id: 'kate', role: 'admin' });
  });
});

describe('what is approved is what runs', () => {
  test('an approved wipe does not run when the device changed owner in between; both sides are told why', async () => {
    f = await slackFixture();
    const { request, card } = await aliceAsksToWipe(f);
    f.sentinel.database.db.update(devices).set({ owner: 'intern' }).where(eq(devices.id, 'LAPTOP-ALICE-01')).run();
    await f.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION);
    const thread = await f.slack.replies(request.channel, request.ts, 2);
    expect(thread[1]!.text).toMatch(/Not run: device LAPTOP-ALICE-01 changed owner \(alice → intern\)/);
    await f.slack.waitFor(() => (card.updates ? true : undefined));
    expect(cardText(card)).toMatch(/Approved by/);
    expect(cardText(card)).toMatch(/Not run: device LAPTOP-ALICE-01 changed owner/);
    // Heading and notification say it was not done: an admin skimming the card must not read "approved" as "wiped".
    expect(cardText(card)).toMatch(/\*❌ Approved, but not done:\* wipe LAPTOP-ALICE-01/);
    expect(cardText(card)).not.toMatch(/Approval needed/);
    expect(card.text).toMatch(/^❌ Approved, but not done: wipe LAPTOP-ALICE-01/);
    expect(wipes(f)).toHaveLength(0);
    const audit = f.sentinel.database.sqlite.prepare("select count(*) n from audit where kind = 'approval_recheck_failed'").get() as { n: number };
    expect(audit.n).toBe(1);
  });

  test('an approved wipe does not run on a device whose status changed; a new request can be made', async () => {
    f = await slackFixture();
    const { request, card } = await aliceAsksToWipe(f);
    f.sentinel.database.db.update(devices).set({ status: 'locked' }).where(eq(devices.id, 'LAPTOP-ALICE-01')).run();
    await f.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION);
    const thread = await f.slack.replies(request.channel, request.ts, 2);
    expect(thread[1]!.text).toMatch(/changed \(active → locked\)/);
    expect(wipes(f)).toHaveLength(0);
    f.slack.dm(PEOPLE.alice.id, 'wipe my laptop');
    const cards = await f.slack.waitFor(() => {
      const c = f.slack.botMessages({ channel: APPROVALS_CHANNEL });
      return c.length === 2 ? c : undefined;
    });
    expect(cardText(cards[1]!)).toContain('locked');
    await f.slack.click(PEOPLE.sam.id, cards[1]!, APPROVE_ACTION);
    await f.slack.waitFor(() => (wipes(f).length === 1 ? true : undefined));
  });
});

describe('withdrawing in words', () => {
  test('"cancel that" in the thread withdraws the request and every card says so; a late Approve runs nothing', async () => {
    f = await slackFixture();
    const { request, card } = await aliceAsksToWipe(f);
    f.slack.dm(PEOPLE.alice.id, 'actually cancel that, I found it', { threadTs: request.ts });
    const thread = await f.slack.replies(request.channel, request.ts, 2);
    expect(thread[1]!.text).toMatch(/Withdrawn: your request to wipe LAPTOP-ALICE-01/);
    await f.slack.waitFor(() => (card.updates ? true : undefined));
    expect(cardText(card)).toContain(`Withdrawn by <@${PEOPLE.alice.id}>`);
    expect(hasButtons(card)).toBe(false);
    await f.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION, { value: onlyApproval(f).id });
    expect((await ephemeralFor(f, PEOPLE.sam.id)).text).toMatch(/already denied/);
    expect(wipes(f)).toHaveLength(0);
  });
});

describe('every decided outcome reaches Slack (the outbox)', () => {
  test('a decision made with the CLI updates the Slack card and tells the requester', async () => {
    f = await slackFixture();
    const { request, card } = await aliceAsksToWipe(f);
    const id = onlyApproval(f).id;
    const cli = runEntry('apps/cli/main.ts', ['--as', 'sam', '--json', '--approve', id], { SENTINEL_DB: f.dbPath, SENTINEL_LLM: 'offline' });
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout).executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true })]);
    const thread = await f.slack.replies(request.channel, request.ts, 2);
    expect(thread[1]!.text).toMatch(/Approved by sam/);
    await f.slack.waitFor(() => (card.updates ? true : undefined));
    expect(hasButtons(card)).toBe(false);
    expect(wipes(f)).toHaveLength(1);
  });

  test('one click on an expired card reports every overdue request, not only that one', async () => {
    const clock = testClock();
    f = await slackFixture({ now: clock.now });
    const first = await aliceAsksToWipe(f);
    const second = f.slack.dm(PEOPLE.intern.id, 'wipe my laptop');
    await f.slack.replies(second.channel, second.ts);
    const cards = await f.slack.waitFor(() => {
      const c = f.slack.botMessages({ channel: APPROVALS_CHANNEL });
      return c.length === 2 ? c : undefined;
    });
    clock.advance(25 * 3_600_000);
    await f.slack.click(PEOPLE.sam.id, first.card, APPROVE_ACTION);
    expect((await ephemeralFor(f, PEOPLE.sam.id)).text).toMatch(/expired/);
    for (const r of [first.request, second]) expect((await f.slack.replies(r.channel, r.ts, 2))[1]!.text).toMatch(/expired without a decision/);
    await f.slack.waitFor(() => (cards.every((c) => c.updates > 0) ? true : undefined));
    for (const c of cards) expect(hasButtons(c)).toBe(false);
  });

  test('an approvals channel that refuses the card: admins get it by DM, the requester is told, the channel is retried', async () => {
    f = await slackFixture({ channelRetryMs: 300 });
    f.slack.state.channelsWithoutBot.add(APPROVALS_CHANNEL);
    const request = f.slack.dm(PEOPLE.alice.id, 'wipe my laptop');
    const thread = await f.slack.replies(request.channel, request.ts, 2);
    expect(thread.map((m) => m.text).join('\n')).toMatch(/couldn't post your request in <#C0APPROVALS> \(not_in_channel\), so I sent it to the IT admins directly/);
    const samCard = await f.slack.waitFor(() => f.slack.botMessages({ channel: dmChannelOf(PEOPLE.sam.id) }).find(hasButtons));
    // Someone invites the bot: the channel gets its card too, once.
    f.slack.state.channelsWithoutBot.delete(APPROVALS_CHANNEL);
    const channelCard = await f.slack.waitFor(() => f.slack.botMessages({ channel: APPROVALS_CHANNEL })[0], 10_000);
    await f.slack.click(PEOPLE.sam.id, samCard, APPROVE_ACTION);
    await f.slack.waitFor(() => (samCard.updates && channelCard.updates ? true : undefined));
    expect(f.slack.botMessages({ channel: APPROVALS_CHANNEL })).toHaveLength(1);
    expect(wipes(f)).toHaveLength(1);
  });

  test('a Slack outage delays replies, in order, and loses none; a 429 is waited out', async () => {
    f = await slackFixture();
    f.slack.failNext('chat.postMessage', { error: 'internal_error' }, 2);
    f.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 1);
    const a = f.slack.dm(PEOPLE.intern.id, 'my laptop is slow');
    const [reply] = await f.slack.replies(a.channel, a.ts, 1, 20_000);
    expect(reply!.text).toMatch(/LAPTOP-INTERN-01/);
    await f.slack.waitFor(() => (outboxRows(f.sentinel.database.db).every((r) => r.status === 'sent') ? true : undefined));
    expect(f.slack.botMessages({ channel: a.channel, threadTs: a.ts })).toHaveLength(1);
  }, 40_000);
});
