import { webApi } from '@slack/bolt';
import { streamReply } from '../apps/slack/stream-reply';
import { LoopbackSlack } from './support/loopback-slack';
import { HELP_CHANNEL, PEOPLE } from './support/slack-fixture';

// The Slack half of streamed answers, against the loopback Slack with the real Web API client (it is not
// wired to turns yet: see apps/slack/stream-reply.ts).

let slack: LoopbackSlack;
let client: webApi.WebClient;
beforeEach(async () => {
  slack = await LoopbackSlack.start();
  for (const p of Object.values(PEOPLE)) slack.addUser({ ...p });
  client = new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
});
afterEach(async () => {
  await slack.close();
});

const PIECES = ['Your laptop ', 'LAPTOP-ALICE-01 is ', 'fine: 182 GB free, ', 'battery health 93%.'];
const FEEDBACK = [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: 'Was this helpful?' }] }];

async function* slowly(pieces: string[], between?: (i: number) => void) {
  for (const [i, p] of pieces.entries()) {
    between?.(i);
    yield p;
  }
}

describe('Streamed answers (chat.startStream / appendStream / stopStream) with a fallback', () => {
  test('the streamed message, assembled from its pieces, equals the final text; blocks follow it', async () => {
    const root = slack.dm(PEOPLE.alice.id, 'my laptop is slow');
    const outcome = await streamReply(client, { channel: root.channel, threadTs: root.ts }, slowly(PIECES), { blocks: FEEDBACK, sessionStatus: 'active' });
    expect(outcome.kind).toBe('streamed');
    const [answer] = slack.botMessages({ channel: root.channel, threadTs: root.ts });
    expect(answer!.text).toBe(PIECES.join(''));
    expect(answer!.stream).toEqual({ streaming: false, mode: 'markdown', appends: PIECES.length - 1 });
    expect(answer!.blocks).toEqual(FEEDBACK);
    expect(slack.state.calls.map((c) => c.method)).toEqual(['chat.startStream', 'chat.appendStream', 'chat.appendStream', 'chat.appendStream', 'chat.stopStream']);
  });

  test('a stream Slack ends early (message_not_in_streaming_state) is written over with the whole text', async () => {
    const root = slack.dm(PEOPLE.alice.id, 'my laptop is slow');
    const outcome = await streamReply(client, { channel: root.channel, threadTs: root.ts }, slowly(PIECES, (i) => i === 2 && slack.expireStreams()));
    expect(outcome).toMatchObject({ kind: 'fell_back', cause: 'message_not_in_streaming_state' });
    const answers = slack.botMessages({ channel: root.channel, threadTs: root.ts });
    expect(answers).toHaveLength(1);
    expect(answers[0]!.text).toBe(PIECES.join(''));
    expect(answers[0]!.updates).toBe(1);
  });

  test('a refused or rate-limited start falls back to one plain post of the whole text', async () => {
    const root = slack.dm(PEOPLE.alice.id, 'my laptop is slow');
    slack.failNext('chat.startStream', { status: 429, retryAfter: 20 });
    const limited = await streamReply(client, { channel: root.channel, threadTs: root.ts }, PIECES);
    expect(limited.kind).toBe('fell_back');
    slack.failNext('chat.startStream', { error: 'messages_tab_disabled' });
    const refused = await streamReply(client, { channel: root.channel, threadTs: root.ts }, PIECES);
    expect(refused).toMatchObject({ kind: 'fell_back', cause: 'messages_tab_disabled' });
    const answers = slack.botMessages({ channel: root.channel, threadTs: root.ts });
    expect(answers.map((m) => m.text)).toEqual([PIECES.join(''), PIECES.join('')]);
    expect(answers.every((m) => m.stream === undefined)).toBe(true);
  });

  test('in a channel the recipient is required (missing_recipient_user_id); with it the stream goes through', async () => {
    const root = slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'my laptop is slow');
    const without = await streamReply(client, { channel: HELP_CHANNEL, threadTs: root.ts }, PIECES);
    expect(without).toMatchObject({ kind: 'fell_back', cause: 'missing_recipient_user_id' });
    const withRecipient = await streamReply(client, { channel: HELP_CHANNEL, threadTs: root.ts, recipientUserId: PEOPLE.alice.id, recipientTeamId: slack.team }, PIECES);
    expect(withRecipient.kind).toBe('streamed');
    expect(slack.botMessages({ channel: HELP_CHANNEL, threadTs: root.ts }).map((m) => m.text)).toEqual([PIECES.join(''), PIECES.join('')]);
  });
});
