import { eq } from 'drizzle-orm';
import { deviceCommands, devices } from '../db/schema';
import { PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

let f: SlackFixture;
afterEach(async () => {
  await f?.close();
});

const commandsOn = (fx: SlackFixture, device: string) => fx.sentinel.database.db.select().from(deviceCommands).where(eq(deviceCommands.deviceId, device)).all();
const allCommands = (fx: SlackFixture) => fx.sentinel.database.db.select().from(deviceCommands).all();

async function ask(fx: SlackFixture, from: string, text: string): Promise<string> {
  const m = fx.slack.dm(from, text);
  const [reply] = await fx.slack.replies(m.channel, m.ts);
  return reply!.text ?? '';
}

describe('people named with Slack @-mentions', () => {
  test('an admin locking <@alice>’s laptop locks alice’s, never their own', async () => {
    f = await slackFixture();
    const reply = await ask(f, PEOPLE.sam.id, `lock <@${PEOPLE.alice.id}>'s laptop, she lost it`);
    expect(reply).toMatch(/LAPTOP-ALICE-01/);
    expect(commandsOn(f, 'LAPTOP-ALICE-01').map((c) => c.command)).toEqual(['lock']);
    expect(commandsOn(f, 'LAPTOP-SAM-01')).toEqual([]);
    const alice = f.sentinel.database.db.select().from(devices).where(eq(devices.id, 'LAPTOP-ALICE-01')).get()!;
    expect(alice.status).toBe('locked');
  });

  test('a mention of a guest account carrying alice’s email is not alice: Sentinel asks, nothing runs', async () => {
    f = await slackFixture();
    const reply = await ask(f, PEOPLE.sam.id, `lock <@${PEOPLE.guestAlias.id}|alice>'s laptop`);
    expect(reply).not.toMatch(/has been locked/);
    expect(allCommands(f)).toEqual([]);
  });

  test('the label of a mention is never trusted: <@U0NOBODY|alice> does not reach alice', async () => {
    f = await slackFixture();
    const reply = await ask(f, PEOPLE.sam.id, `lock <@${PEOPLE.nobody.id}|alice>'s laptop`);
    expect(reply).not.toMatch(/has been locked/);
    expect(allCommands(f)).toEqual([]);
  });
});
