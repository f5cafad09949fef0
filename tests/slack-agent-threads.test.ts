import { eq } from 'drizzle-orm';
import { messages } from '../db/schema';
import { manifestEvents } from './support/loopback-slack';
import { HELP_CHANNEL, PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

let f: SlackFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const settle = async (fx: SlackFixture) => {
  await fx.slack.waitFor(() => (fx.slack.link.sent.every((e) => fx.slack.link.acks.has(e.envelope_id)) ? true : undefined));
  await new Promise((r) => setTimeout(r, 300));
};
const userMessages = (fx: SlackFixture) => fx.sentinel.database.db.select().from(messages).where(eq(messages.role, 'user')).all();

describe('Channel threads: follow-ups without another @mention (loopback Slack)', () => {
  test('once Sentinel is in a thread, the same person\'s follow-up there is answered without a mention', async () => {
    f = await slackFixture();
    const first = f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'my laptop is slow');
    await f.slack.replies(HELP_CHANNEL, first.ts);
    const followUp = f.slack.say(PEOPLE.alice.id, HELP_CHANNEL, 'reset my password', { threadTs: first.ts });
    expect(followUp.eventId).not.toBeNull();
    const both = await f.slack.replies(HELP_CHANNEL, first.ts, 2);
    expect(both[1]!.text).toMatch(/password reset link to alice@example\.com/);
    expect(userMessages(f).map((m) => [m.conversationId, m.content])).toEqual([
      [`slack:${f.slack.team}:${HELP_CHANNEL}:${first.ts}`, 'my laptop is slow'],
      [`slack:${f.slack.team}:${HELP_CHANNEL}:${first.ts}`, 'reset my password'],
    ]);
  });

  test('others in that thread, threads Sentinel is not in, and top-level chatter are ignored', async () => {
    f = await slackFixture();
    const first = f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'my laptop is slow');
    await f.slack.replies(HELP_CHANNEL, first.ts);
    f.slack.say(PEOPLE.intern.id, HELP_CHANNEL, 'reset my password', { threadTs: first.ts });
    const otherThread = f.slack.say(PEOPLE.sam.id, HELP_CHANNEL, 'anyone know the wifi password?');
    f.slack.say(PEOPLE.alice.id, HELP_CHANNEL, 'reset my password', { threadTs: otherThread.ts });
    f.slack.say(PEOPLE.alice.id, HELP_CHANNEL, 'reset my password');
    await settle(f);
    expect(f.slack.botMessages({ channel: HELP_CHANNEL })).toHaveLength(1);
    expect(userMessages(f)).toHaveLength(1);
  });

  test('someone who @mentions Sentinel in another person\'s thread joins it: their follow-ups count too', async () => {
    f = await slackFixture();
    const first = f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'my laptop is slow');
    await f.slack.replies(HELP_CHANNEL, first.ts);
    f.slack.mention(PEOPLE.intern.id, HELP_CHANNEL, 'reset my password', { threadTs: first.ts });
    await f.slack.replies(HELP_CHANNEL, first.ts, 2);
    f.slack.say(PEOPLE.intern.id, HELP_CHANNEL, 'what tickets do I have open?', { threadTs: first.ts });
    const all = await f.slack.replies(HELP_CHANNEL, first.ts, 3);
    expect(all[1]!.text).toMatch(/intern@example\.com/);
    expect(all[2]!.text).toMatch(/ticket/i);
  });

  test('a follow-up that also @mentions Sentinel (app_mention and message) is handled once', async () => {
    f = await slackFixture();
    const first = f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'my laptop is slow');
    await f.slack.replies(HELP_CHANNEL, first.ts);
    f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'reset my password', { threadTs: first.ts, alsoAsMessage: true });
    await f.slack.replies(HELP_CHANNEL, first.ts, 2);
    await settle(f);
    expect(f.slack.botMessages({ channel: HELP_CHANNEL })).toHaveLength(2);
    expect(userMessages(f)).toHaveLength(2);
  });

  test('a private channel (message.groups) works the same', async () => {
    f = await slackFixture();
    const first = f.slack.mention(PEOPLE.alice.id, 'G0PRIVATE', 'my laptop is slow');
    await f.slack.replies('G0PRIVATE', first.ts);
    f.slack.say(PEOPLE.alice.id, 'G0PRIVATE', 'reset my password', { threadTs: first.ts });
    const both = await f.slack.replies('G0PRIVATE', first.ts, 2);
    expect(both[1]!.text).toMatch(/password reset link/);
  });

  test('a workspace on the older manifest (no message.channels): Slack sends no follow-up, mentions work as before', async () => {
    f = await slackFixture({ loopback: { events: manifestEvents().filter((e) => e !== 'message.channels' && e !== 'message.groups') } });
    const first = f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'my laptop is slow');
    await f.slack.replies(HELP_CHANNEL, first.ts);
    expect(f.slack.say(PEOPLE.alice.id, HELP_CHANNEL, 'reset my password', { threadTs: first.ts }).eventId).toBeNull();
    f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'reset my password', { threadTs: first.ts });
    const both = await f.slack.replies(HELP_CHANNEL, first.ts, 2);
    expect(both[1]!.text).toMatch(/password reset link/);
  });
});
