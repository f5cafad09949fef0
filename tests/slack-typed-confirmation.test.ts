import { eq } from 'drizzle-orm';
import { deviceCommands } from '../db/schema';
import type { PostedMessage } from './support/loopback-slack';
import { PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

// "yes, confirm" typed in Slack, in the thread where Sentinel asked an admin to confirm their own wipe:
// confirmed as the Confirm button would, the card updated, the outcome posted in the thread.

let f: SlackFixture;
afterEach(async () => {
  await f?.close();
});

const hasButtons = (m: PostedMessage) => (m.blocks ?? []).some((b) => b.type === 'actions');
const wipes = (fx: SlackFixture) => fx.sentinel.database.db.select().from(deviceCommands).where(eq(deviceCommands.command, 'wipe')).all();

test('an admin types "yes, confirm" in their thread: the wipe runs once, the card shows it decided, the thread says what ran', async () => {
  f = await slackFixture();
  const request = f.slack.dm(PEOPLE.sam.id, 'wipe my laptop');
  const [reply, confirm] = await f.slack.replies(request.channel, request.ts, 2);
  const card = [reply!, confirm!].find(hasButtons)!;
  f.slack.dm(PEOPLE.sam.id, 'yes, confirm', { threadTs: request.ts });
  const thread = await f.slack.waitFor(() => {
    const all = f.slack.botMessages({ channel: request.channel }).filter((m) => /wiped/.test(m.text ?? ''));
    return all.length ? all : undefined;
  });
  expect(thread.map((m) => m.text).join('\n')).toMatch(/LAPTOP-SAM-01 has been wiped/);
  await f.slack.waitFor(() => (card.updates ? true : undefined));
  expect(hasButtons(card)).toBe(false);
  expect(wipes(f)).toHaveLength(1);
});
