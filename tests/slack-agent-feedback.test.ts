import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FEEDBACK_ACTION } from '../apps/slack/blocks/feedback';
import { runEntry } from './support/processes';
import { APPROVALS_CHANNEL, PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

let f: SlackFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const rows = (fx: SlackFixture) => fx.sentinel.database.sqlite.prepare('select slack_user, voter, vote, request, reply, conversation_id from feedback order by slack_user').all() as Array<Record<string, string>>;
const audited = (fx: SlackFixture) =>
  (fx.sentinel.database.sqlite.prepare("select actor, data from audit where kind = 'feedback' order by seq").all() as Array<{ actor: string; data: string }>).map((r) => ({ actor: r.actor, ...JSON.parse(r.data) }));
const settle = () => new Promise((r) => setTimeout(r, 300));

describe('feedback buttons on the final message of a turn (loopback Slack)', () => {
  test('👍/👎 under a reply: stored once per person per message (a second click replaces it), audited, counted by npm run eval', async () => {
    f = await slackFixture();
    const fx = f;
    const m = fx.slack.dm(PEOPLE.alice.id, "what's the status of IT-1042?");
    const [reply] = await fx.slack.replies(m.channel, m.ts);
    // Its text is shown as blocks, then Slack's feedback buttons; `text` stays the notification text.
    expect(reply!.text).toMatch(/IT-1042/);
    const blocks = reply!.blocks!;
    expect(blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn', text: reply!.text } });
    expect(blocks.at(-1)).toMatchObject({ type: 'context_actions', elements: [{ type: 'feedback_buttons', action_id: FEEDBACK_ACTION }] });

    await fx.slack.clickFeedback(PEOPLE.alice.id, reply!, 'down');
    await fx.slack.waitFor(() => (rows(fx).length ? true : undefined));
    expect(rows(fx)).toEqual([{ slack_user: PEOPLE.alice.id, voter: 'alice', vote: 'down', request: "what's the status of IT-1042?", reply: expect.stringMatching(/IT-1042/), conversation_id: expect.stringContaining(m.ts) }]);
    await fx.slack.waitFor(() => (fx.slack.state.ephemerals.some((e) => e.user === PEOPLE.alice.id && /Thanks/.test(e.text)) ? true : undefined));

    // She changes her mind: one vote, replaced; the audit log has both.
    await fx.slack.clickFeedback(PEOPLE.alice.id, reply!, 'up');
    await fx.slack.waitFor(() => (rows(fx)[0]?.vote === 'up' ? true : undefined));
    // The same vote again changes nothing.
    await fx.slack.clickFeedback(PEOPLE.alice.id, reply!, 'up');
    // Someone else in the thread votes for themselves.
    await fx.slack.clickFeedback(PEOPLE.sam.id, reply!, 'down');
    await fx.slack.waitFor(() => (rows(fx).length === 2 ? true : undefined));
    await settle();
    expect(rows(fx).map((r) => [r.voter, r.vote])).toEqual([
      ['alice', 'up'],
      ['sam', 'down'],
    ]);
    expect(audited(fx)).toEqual([
      { actor: 'alice', vote: 'down', message: `${reply!.channel}/${reply!.ts}`, replaced: null },
      { actor: 'alice', vote: 'up', message: `${reply!.channel}/${reply!.ts}`, replaced: 'down' },
      { actor: 'sam', vote: 'down', message: `${reply!.channel}/${reply!.ts}`, replaced: null },
    ]);
    expect(runEntry('apps/audit/main.ts', ['verify'], { SENTINEL_DB: fx.dbPath }).code).toBe(0);

    // npm run eval reports it as real-world feedback, from SENTINEL_DB (read only).
    const corpus = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-fb-')), 'one.json');
    fs.writeFileSync(corpus, JSON.stringify([{ id: 'pw', as: 'intern', turns: [{ say: 'reset my password', expect: { tools: [{ tool: 'reset_password', args: { user: 'intern' } }] } }] }]));
    const r = runEntry('apps/eval/main.ts', ['--corpus', corpus], { SENTINEL_DB: fx.dbPath });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Real-world feedback \(.+\):\n\s+👍 1\s+👎 1\s+helpful 50\.0%\s+\(2 votes on replies in Slack\)/);
    expect(r.stdout).toMatch(/Last 1 👎:\n.+UTC "what's the status of IT-1042\?"\n\s+answered ".*IT-1042/);
    const j = runEntry('apps/eval/main.ts', ['--corpus', corpus, '--json'], { SENTINEL_DB: fx.dbPath });
    expect(JSON.parse(j.stdout).feedback).toMatchObject({ up: 1, down: 1, rate: 0.5, recentDown: [{ request: "what's the status of IT-1042?" }] });
    // Without a database, no section.
    expect(runEntry('apps/eval/main.ts', ['--corpus', corpus], { SENTINEL_DB: path.join(os.tmpdir(), 'no-such-sentinel.db') }).stdout).not.toMatch(/Real-world feedback/);
  });

  test('forged clicks are ignored: a message that is not one of our replies, a user of another team', async () => {
    f = await slackFixture();
    const fx = f;
    const m = fx.slack.dm(PEOPLE.alice.id, 'I need read access to github for 8 hours');
    const [reply] = await fx.slack.replies(m.channel, m.ts);
    const card = await fx.slack.waitFor(() => fx.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]);
    // Her own message, with buttons the payload claims it has.
    const own = fx.slack.state.find(m.channel, m.ts)!;
    await fx.slack.clickFeedback(PEOPLE.alice.id, { ...own, thread_ts: m.ts }, 'down', { force: true });
    // The bot's approval card: Sentinel's, but not a reply.
    await fx.slack.clickFeedback(PEOPLE.sam.id, card, 'down', { force: true });
    // A payload claiming the bot wrote alice's message.
    await fx.slack.clickFeedback(PEOPLE.alice.id, { ...own, thread_ts: m.ts, user: fx.slack.botUserId, bot_id: fx.slack.botId }, 'up', { force: true });
    // A real reply, clicked by someone whose own workspace is another (a shared channel).
    await fx.slack.clickFeedback(PEOPLE.alice.id, reply!, 'down', { userTeam: 'T0ELSEWHERE' });
    // A real reply's ts in another thread than its own.
    const other = fx.slack.dm(PEOPLE.alice.id, 'hello');
    await fx.slack.replies(other.channel, other.ts);
    await fx.slack.clickFeedback(PEOPLE.alice.id, { ...reply!, thread_ts: other.ts }, 'down');
    await settle();
    expect(rows(fx)).toEqual([]);
    expect(audited(fx)).toEqual([]);
    // The real click still counts.
    await fx.slack.clickFeedback(PEOPLE.alice.id, reply!, 'up');
    await fx.slack.waitFor(() => (rows(fx).length === 1 ? true : undefined));
  });
});
