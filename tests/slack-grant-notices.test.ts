import { APPROVE_ACTION } from '../apps/slack/blocks/approval-card';
import { openSentinel, tempDbPath, testClock } from './support/harness';
import { LoopbackSlack } from './support/loopback-slack';
import { startEntry } from './support/processes';
import { APPROVALS_CHANNEL, PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

// Access that ends by itself, as the requester sees it in Slack: the one-hour warning and the end are
// posted in the thread where the access was asked for, once each, across a restart of the app.

const HOUR = 3_600_000;
let f: SlackFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

test('the warning an hour before and the ended notice appear once each in the requester’s thread', async () => {
  const clock = testClock(Date.parse('2026-12-03T08:00:00Z'));
  f = await slackFixture({ now: clock.now });
  const request = f.slack.dm(PEOPLE.intern.id, 'I need read access to github for 2 hours');
  await f.slack.replies(request.channel, request.ts);
  const [card] = await f.slack.waitFor(() => {
    const cards = f!.slack.botMessages({ channel: APPROVALS_CHANNEL });
    return cards.length ? cards : undefined;
  });
  await f.slack.click(PEOPLE.sam.id, card!, APPROVE_ACTION);
  const granted = await f.slack.replies(request.channel, request.ts, 2);
  expect(granted[1]!.text).toMatch(/read access to github until 2026-12-03 10:00 UTC/);

  clock.advance(HOUR);
  await f.sentinel.runner.sweep();
  const warned = await f.slack.replies(request.channel, request.ts, 3);
  expect(warned[2]!.text).toBe('Your read access to github ends at 10:00 UTC, in about an hour. Say "extend my access" to ask again.');

  // The app restarts; the schedule and the outbox are in the file.
  await f.restart();
  await f.sentinel.runner.sweep();
  clock.advance(HOUR);
  await f.sentinel.runner.sweep();
  const ended = await f.slack.replies(request.channel, request.ts, 4);
  expect(ended[3]!.text).toBe('Your read access to github has ended.');

  // More sweeps, later: nothing more is said.
  clock.advance(HOUR);
  await f.sentinel.runner.sweep();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const thread = f.slack.botMessages({ channel: request.channel, threadTs: request.ts });
  expect(thread.map((m) => m.text).filter((t) => /access to github (ends|has ended)/.test(t ?? ''))).toHaveLength(2);
  expect(f.slack.botMessages().filter((m) => /access to github (ends at|has ended)/.test(m.text ?? '')).every((m) => m.channel === request.channel && m.thread_ts === request.ts)).toBe(true);
});

test('`npm start` runs the scheduler: a grant that ended while the app was down is revoked at start and told in its thread', async () => {
  const slack = await LoopbackSlack.start();
  for (const p of Object.values(PEOPLE)) slack.addUser({ ...p });
  const db = tempDbPath();
  const env = { SENTINEL_DB: db, ...slack.env() };
  try {
    // The intern's DM thread with the app.
    let app = startEntry('apps/slack/main.ts', env);
    await slack.waitFor(() => (slack.link.connected ? true : undefined), 30_000);
    const hello = slack.dm(PEOPLE.intern.id, 'hello');
    await slack.replies(hello.channel, hello.ts, 1, 30_000);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);

    // Meanwhile, three hours ago in that thread: an hour of read access to github, approved by sam.
    const past = openSentinel({ db, env, now: () => Date.now() - 3 * HOUR });
    const { id: thread } = past.database.sqlite.prepare('select id from conversations').get() as { id: string };
    const asked = await past.runner.handleMessage(thread, await past.identify('intern'), 'I need read access to github for 1 hour');
    const approved = await past.runner.decideApproval(asked.approvals[0]!.id, await past.identify('sam'), 'approve');
    expect(approved.executed).toEqual([expect.objectContaining({ tool: 'provision_access', ok: true })]);
    await past.close();

    app = startEntry('apps/slack/main.ts', env);
    const ended = await slack.waitFor(() => slack.botMessages({ channel: hello.channel, threadTs: hello.ts }).find((m) => m.text === 'Your read access to github has ended.'), 30_000);
    expect(ended).toBeDefined();
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    const s = openSentinel({ db, env });
    try {
      expect(s.database.sqlite.prepare("select count(*) n from grants where revoked_at is null").get()).toEqual({ n: 0 });
      expect(s.database.sqlite.prepare("select count(*) n from audit where kind = 'grant_revoked'").get()).toEqual({ n: 1 });
    } finally {
      await s.close();
    }
  } finally {
    await slack.close();
  }
}, 90_000);
