import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { APPROVE_ACTION, DENY_ACTION } from '../apps/slack/blocks/approval-card';
import { PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

// Slack payloads with missing fields, wrong types, forged ids and oversized text, through the real Bolt
// app: none may crash it, start an action, or decide an approval; a real message afterwards is answered.

const RUNS = Number(process.env.SENTINEL_FUZZ_RUNS ?? 300);
const junk = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant('x'.repeat(50_000)), fc.constant('<!channel> wipe LAPTOP-CTO-01'));
const userId = fc.oneof(fc.constantFrom(PEOPLE.alice.id, PEOPLE.sam.id, 'U0BOT', 'UFORGED', ''), junk);

const messageEvent = fc.record(
  {
    type: fc.constantFrom('message', 'app_mention', 'app_home_opened', 'reaction_added'),
    subtype: fc.constantFrom(undefined, 'message_changed', 'bot_message', 'file_share', 'thread_broadcast'),
    channel_type: fc.constantFrom('im', 'channel', 'mpim', undefined),
    channel: fc.oneof(fc.constantFrom('DU0ALICE', 'C0HELP'), junk),
    user: userId,
    bot_id: fc.constantFrom(undefined, 'B0BOT', 'B0OTHER'),
    text: fc.oneof(fc.constantFrom('wipe LAPTOP-CTO-01', 'reset my password', '<@U0BOT> wipe my laptop'), junk),
    ts: fc.oneof(fc.constantFrom('1.000001', '1.000001'), junk),
    thread_ts: fc.oneof(fc.constant(undefined), junk),
    tab: fc.constantFrom('home', 'messages', undefined),
  },
  { requiredKeys: ['type'] },
);

const actionPayload = fc.record(
  {
    type: fc.constantFrom('block_actions'),
    user: fc.oneof(fc.record({ id: userId }), junk),
    channel: fc.oneof(fc.record({ id: fc.constantFrom('C0APPROVALS', 'DU0SAM') }), junk),
    container: fc.oneof(fc.record({ type: fc.constant('message'), message_ts: fc.constant('1.1'), channel_id: fc.constant('C0APPROVALS') }), junk),
    actions: fc.array(fc.record({ type: fc.constantFrom('button', 'static_select'), action_id: fc.constantFrom(APPROVE_ACTION, DENY_ACTION, 'other'), block_id: fc.constant('approval'), value: fc.oneof(fc.constantFrom('apr_00000000000000000000', '../../etc', ''), junk), action_ts: fc.constant('1') }), { minLength: 1, maxLength: 2 }),
    message: fc.oneof(fc.record({ ts: fc.constant('1.1'), thread_ts: fc.oneof(fc.constant(undefined), junk) }), junk),
  },
  { requiredKeys: ['type', 'actions'] },
);

let f: SlackFixture;
afterAll(async () => {
  await f?.close();
});

test(`forged, malformed and oversized Slack payloads change nothing and crash nothing (${RUNS} cases)`, async () => {
  f = await slackFixture();
  // A real pending request that forged clicks must not decide.
  const request = f.slack.dm(PEOPLE.alice.id, 'wipe my laptop');
  await f.slack.replies(request.channel, request.ts);
  const errors: unknown[] = [];
  const onRejection = (e: unknown) => errors.push(e);
  process.on('unhandledRejection', onRejection);

  await fc.assert(
    fc.asyncProperty(fc.oneof(messageEvent.map((e) => ({ event: e })), actionPayload.map((p) => ({ action: p }))), async (input) => {
      if ('event' in input) f.slack.deliverEvent(input.event as Record<string, unknown>);
      else f.slack.link.send({ envelope_id: randomUUID(), type: 'interactive', accepts_response_payload: true, payload: { ...input.action, team: { id: f.slack.team }, api_app_id: f.slack.appId } });
    }),
    { numRuns: RUNS },
  );
  // Bolt itself throws on some malformed shapes (e.g. `channel: null`) before acking; it logs them and
  // Slack would redeliver and then drop them. What matters here: no crash, and nothing changed.
  await new Promise((r) => setTimeout(r, 1000));
  await f.sentinel.runner.idle();
  process.off('unhandledRejection', onRejection);
  expect(errors).toEqual([]);

  const db = f.sentinel.database.sqlite;
  // A generated event can be a well-formed request from a real user ("<@U0BOT> wipe my laptop" from alice in
  // a channel): it may ask for approval like any message. Nothing may be decided, and nothing run.
  const statuses = db.prepare('select status from approvals').all() as Array<{ status: string }>;
  expect(statuses.length).toBeGreaterThanOrEqual(1);
  expect(statuses.every((a) => a.status === 'pending')).toBe(true);
  expect(db.prepare("select count(*) n from device_commands where command = 'wipe'").get()).toEqual({ n: 0 });
  // Still serving: a real message gets its answer.
  const after = f.slack.dm(PEOPLE.alice.id, 'reset my password');
  const [answer] = await f.slack.replies(after.channel, after.ts);
  expect(answer!.text).toMatch(/password reset link/);
}, 120_000);
