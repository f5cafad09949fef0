import { count, eq } from 'drizzle-orm';
import { conversations, messages } from '../db/schema';
import { dmChannelOf } from './support/loopback-slack';
import { HELP_CHANNEL, PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

let f: SlackFixture;
beforeEach(async () => {
  f = await slackFixture();
});
afterEach(async () => {
  await f.close();
});

describe('Slack conversations through Bolt and the loopback Slack', () => {
  test('a DM gets a threaded answer, and a second message in the thread continues the conversation', async () => {
    const first = f.slack.dm(PEOPLE.alice.id, 'my laptop is slow');
    const [answer] = await f.slack.replies(first.channel, first.ts);
    expect(answer!.text).toMatch(/LAPTOP-ALICE-01/);
    const second = f.slack.dm(PEOPLE.alice.id, 'reset my password', { threadTs: first.ts });
    const both = await f.slack.replies(first.channel, first.ts, 2);
    expect(both[1]!.text).toMatch(/password reset link to alice@example\.com/);
    expect(second.thread_ts).toBe(first.ts);
    // One conversation holding both user messages, keyed by team + channel + thread root.
    const convs = f.sentinel.database.db.select().from(conversations).all();
    expect(convs.map((c) => c.id)).toEqual([`slack:${f.slack.team}:${first.channel}:${first.ts}`]);
    const userMessages = f.sentinel.database.db.select().from(messages).where(eq(messages.role, 'user')).all();
    expect(userMessages.map((m) => m.content)).toEqual(['my laptop is slow', 'reset my password']);
  });

  test('a mention in a channel is answered in its thread, once, though it also arrives as a message event', async () => {
    const m = f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'what is the status of IT-1042?', { alsoAsMessage: true });
    const [answer] = await f.slack.replies(HELP_CHANNEL, m.ts);
    expect(answer!.text).toMatch(/1042/);
    // Give a duplicate time to show up, then check there is none.
    await new Promise((r) => setTimeout(r, 300));
    expect(f.slack.botMessages({ channel: HELP_CHANNEL })).toHaveLength(1);
    const turns = f.sentinel.database.db.select({ n: count() }).from(messages).where(eq(messages.role, 'user')).get();
    expect(turns!.n).toBe(1);
  });

  test('shows it is working (a reaction) and takes it away once the answer is posted', async () => {
    await f.close();
    // As if the LLM were slow: the reaction is due at once.
    f = await slackFixture({ workingReactionAfterMs: 0 });
    const m = f.slack.dm(PEOPLE.alice.id, 'reset my password');
    await f.slack.replies(m.channel, m.ts);
    await f.slack.waitFor(() => (f.slack.state.calls.some((c) => c.method === 'reactions.remove') ? true : undefined));
    const reactionCalls = f.slack.state.calls.filter((c) => c.method.startsWith('reactions.')).map((c) => c.method);
    expect(reactionCalls).toEqual(['reactions.add', 'reactions.remove']);
    expect(f.slack.state.find(m.channel, m.ts)!.reactions.size).toBe(0);
  });

  test('an answer that comes quickly is not preceded by a reaction', async () => {
    const m = f.slack.dm(PEOPLE.alice.id, 'reset my password');
    await f.slack.replies(m.channel, m.ts);
    await new Promise((r) => setTimeout(r, 900));
    expect(f.slack.state.calls.filter((c) => c.method.startsWith('reactions.'))).toEqual([]);
  });

  test('a redelivered event is answered once', async () => {
    const m = f.slack.dm(PEOPLE.alice.id, 'reset my password');
    await f.slack.replies(m.channel, m.ts);
    f.slack.redeliver(m.eventId);
    // The same message under a new event_id, as Slack has been seen to send it.
    f.slack.deliverEvent({ type: 'message', channel_type: 'im', channel: m.channel, user: m.user, text: m.text, ts: m.ts, event_ts: m.ts, team: f.slack.team });
    await f.slack.waitFor(() => (f.slack.link.sent.every((e) => f.slack.link.acks.has(e.envelope_id)) ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(f.slack.botMessages({ channel: m.channel })).toHaveLength(1);
  });

  test('a forced disconnect reconnects and the next event is handled', async () => {
    expect(f.slack.link.hellos).toBe(1);
    f.slack.link.disconnect('refresh_requested');
    const m = f.slack.dm(PEOPLE.alice.id, 'reset my password');
    const [answer] = await f.slack.replies(m.channel, m.ts);
    expect(answer!.text).toMatch(/password reset/);
    expect(f.slack.link.hellos).toBe(2);
    expect(f.slack.state.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(2);
  });

  test('the bot ignores its own posts, edits, deletions and other subtypes', async () => {
    const m = f.slack.dm(PEOPLE.alice.id, 'reset my password');
    await f.slack.replies(m.channel, m.ts);
    f.slack.deliverEvent({ type: 'message', subtype: 'message_changed', channel_type: 'im', channel: m.channel, hidden: true, message: { user: PEOPLE.alice.id, text: 'wipe my laptop', ts: m.ts }, ts: f.slack.state.nextTs(), event_ts: '1', team: f.slack.team });
    f.slack.deliverEvent({ type: 'message', subtype: 'message_deleted', channel_type: 'im', channel: m.channel, hidden: true, deleted_ts: m.ts, ts: f.slack.state.nextTs(), team: f.slack.team });
    f.slack.deliverEvent({ type: 'message', subtype: 'bot_message', channel_type: 'im', channel: m.channel, bot_id: 'B0OTHER', text: 'reset my password', ts: f.slack.state.nextTs(), team: f.slack.team });
    await f.slack.waitFor(() => (f.slack.link.sent.every((e) => f.slack.link.acks.has(e.envelope_id)) ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    // The bot's own reply was echoed back as a message event too; none of these started a turn.
    expect(f.slack.link.sent.filter((e) => (e.payload.event as { bot_id?: string }).bot_id === f.slack.botId).length).toBeGreaterThan(0);
    expect(f.slack.botMessages()).toHaveLength(1);
    const users = f.sentinel.database.db.select().from(messages).where(eq(messages.role, 'user')).all();
    expect(users).toHaveLength(1);
  });

  test('guests (is_restricted), people from other workspaces and unknown users get guest rights', async () => {
    for (const who of [PEOPLE.guestAlias, PEOPLE.stranger, PEOPLE.nobody]) {
      const m = f.slack.dm(who.id, 'reset my password');
      const [answer] = await f.slack.replies(dmChannelOf(who.id), m.ts);
      expect(answer!.text).toMatch(/✋ I can.t send a password reset link/);
    }
    expect(f.sentinel.database.sqlite.prepare('select count(*) as n from password_resets').get()).toEqual({ n: 0 });
  });

  test('Web API rate limits are retried: a 429 on the reply is waited out, not lost', async () => {
    // The reply is written over the message that showed the reset as a task (chat.update).
    f.slack.failNext('chat.update', { status: 429, retryAfter: 1 });
    const m = f.slack.dm(PEOPLE.alice.id, 'reset my password');
    const [answer] = await f.slack.replies(m.channel, m.ts, 1, 15_000);
    expect(answer!.text).toMatch(/password reset/);
    expect(f.slack.state.calls.filter((c) => c.method === 'chat.update')).toHaveLength(2);
    expect(f.slack.botMessages({ channel: m.channel, threadTs: m.ts })).toHaveLength(1);
  });

  test('the Home tab shows what Sentinel does and the viewer\'s role', async () => {
    for (const who of [PEOPLE.sam, PEOPLE.guestAlias]) {
      f.slack.deliverEvent({ type: 'app_home_opened', user: who.id, channel: dmChannelOf(who.id), tab: 'home', event_ts: f.slack.state.nextTs() });
    }
    const views = await f.slack.waitFor(() => (f.slack.state.views.size === 2 ? f.slack.state.views : undefined));
    expect(JSON.stringify(views.get(PEOPLE.sam.id))).toMatch(/signed in as \*admin\*/);
    expect(JSON.stringify(views.get(PEOPLE.guestAlias.id))).toMatch(/signed in as \*guest\*/);
  });

  test('a busy thread queues its messages while other threads run in parallel', async () => {
    const a = f.slack.dm(PEOPLE.alice.id, 'my laptop is slow');
    const a2 = f.slack.dm(PEOPLE.alice.id, 'reset my password', { threadTs: a.ts });
    const b = f.slack.mention(PEOPLE.intern.id, HELP_CHANNEL, 'reset my password');
    const thread = await f.slack.replies(a.channel, a.ts, 2);
    expect(thread[0]!.text).toMatch(/LAPTOP-ALICE-01/);
    expect(thread[1]!.text).toMatch(/alice@example\.com/);
    const [other] = await f.slack.replies(HELP_CHANNEL, b.ts);
    expect(other!.text).toMatch(/intern@example\.com/);
    expect(a2.thread_ts).toBe(a.ts);
  });
});
