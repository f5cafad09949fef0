import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { APPROVE_ACTION } from '../apps/slack/blocks/approval-card';
import { DEFAULT_POLICY_FILE } from '../policies/load';
import { dmChannelOf, type PostedMessage } from './support/loopback-slack';
import { runEntryAsync } from './support/processes';
import { APPROVALS_CHANNEL, PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

// "Reaching a budget is audited and the admins are told once": through the real Bolt app and a loopback
// Slack, plus a CLI process on the same database and a restart of the app. Three wipes trip a budget of
// two per hour; the admins hear of it exactly once, by DM (no approvals channel), and the requester who
// tripped it (an admin here) does not.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-budget-notice-'));
const doc = YAML.parse(fs.readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as Record<string, unknown>;
function wipeBudget(name: string, max: number): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, YAML.stringify({ ...doc, budgets: [{ id: 'wipes-per-hour', tools: ['execute_remote_command'], when: { command: ['wipe'] }, max, window_minutes: 60, then: { effect: 'deny' } }] }));
  return file;
}
const policyFile = wipeBudget('two-per-hour', 2);

let f: SlackFixture;
afterEach(async () => {
  await f?.close();
});

const NOTICE = /Organisation-wide limit "wipes-per-hour" reached/;
const isCard = (m: PostedMessage) => (m.blocks ?? []).some((b) => b.type === 'actions');
const notices = (fx: SlackFixture) => fx.slack.botMessages().filter((m) => NOTICE.test(m.text ?? ''));
const count = (fx: SlackFixture, sql: string) => (fx.sentinel.database.sqlite.prepare(sql).get() as { n: number }).n;
const WIPES = "select count(*) n from device_commands where command = 'wipe'";

/** `who` asks for a wipe in their DM; returns the bot's first reply in that thread. */
async function ask(fx: SlackFixture, who: string, text: string): Promise<PostedMessage> {
  const m = fx.slack.dm(who, text);
  const [reply] = await fx.slack.replies(m.channel, m.ts);
  return reply!;
}

/** An employee's own wipe of `device`, approved by `approver` on the card in their DM. */
async function approvedWipe(fx: SlackFixture, who: string, device: string, approver: string, wipesAfter: number): Promise<void> {
  expect((await ask(fx, who, 'wipe my laptop')).text).toMatch(/needs approval/);
  const card = await fx.slack.waitFor(() => fx.slack.botMessages({ channel: dmChannelOf(approver) }).find((m) => isCard(m) && JSON.stringify(m.blocks).includes(device)));
  await fx.slack.click(approver, card, APPROVE_ACTION);
  await fx.slack.waitFor(() => (count(fx, WIPES) === wipesAfter ? true : undefined));
}

test('three wipes trip a budget of two per hour: one notice reaches the other admin by DM, none the requester; later trips, another process and a restart add none', async () => {
  f = await slackFixture({ approvalsChannel: null, env: { SENTINEL_POLICY: policyFile } });
  await approvedWipe(f, PEOPLE.intern.id, 'LAPTOP-INTERN-01', PEOPLE.sam.id, 1);
  await approvedWipe(f, PEOPLE.alice.id, 'LAPTOP-ALICE-01', PEOPLE.cto.id, 2);
  expect(notices(f)).toHaveLength(0);

  // The third wipe reaches the budget: refused, and the admins are told — cto, not sam who asked.
  const third = await ask(f, PEOPLE.sam.id, 'wipe LAPTOP-CTO-01');
  expect(third.text).toMatch(/wipes-per-hour/);
  const [notice] = await f.slack.waitFor(() => (notices(f).length ? notices(f) : undefined));
  expect(notice!.channel).toBe(dmChannelOf(PEOPLE.cto.id));
  expect(notice!.text).toMatch(/2 execute_remote_command \(command: wipe\) per hour/);
  expect(notice!.text).toMatch(/sam asked to wipe LAPTOP-CTO-01, and it was refused/);
  expect(f.slack.botMessages({ channel: dmChannelOf(PEOPLE.sam.id) }).filter((m) => NOTICE.test(m.text ?? ''))).toEqual([]);
  expect(count(f, WIPES)).toBe(2);

  // Reached again in the same window, from Slack, from a CLI process on the same file, and after a restart: no second notice.
  expect((await ask(f, PEOPLE.alice.id, 'wipe LAPTOP-ALICE-01')).text).toMatch(/wipes-per-hour/);
  const cli = await runEntryAsync('apps/cli/main.ts', ['--as', 'cto', '--json', 'wipe LAPTOP-SAM-01'], { SENTINEL_DB: f.dbPath, SENTINEL_POLICY: policyFile, SENTINEL_LLM: 'offline' });
  expect(cli.code).toBe(0);
  expect(JSON.parse(cli.stdout)).toMatchObject({ proposals: [{ decision: 'deny' }] });
  expect(cli.stdout).not.toMatch(NOTICE);
  await f.restart();
  expect((await ask(f, PEOPLE.intern.id, 'wipe LAPTOP-INTERN-01')).text).toMatch(/wipes-per-hour/);
  await new Promise((r) => setTimeout(r, 500));

  expect(notices(f)).toHaveLength(1);
  expect(count(f, "select count(*) n from outbox where kind = 'admin_notice'")).toBe(1);
  expect(count(f, "select count(*) n from audit where kind = 'budget_notice'")).toBe(1);
  expect(count(f, "select count(*) n from audit where kind = 'budget_reached'")).toBe(4);
  // Nobody but cto was told: not the requesters, not in any thread.
  for (const who of [PEOPLE.sam, PEOPLE.alice, PEOPLE.intern]) {
    expect(f.slack.botMessages({ channel: dmChannelOf(who.id) }).some((m) => NOTICE.test(m.text ?? ''))).toBe(false);
  }
  expect(count(f, WIPES)).toBe(2);
});

test('with SENTINEL_APPROVALS_CHANNEL the notice goes to that channel, once, and to nobody by DM', async () => {
  f = await slackFixture({ env: { SENTINEL_POLICY: wipeBudget('none-allowed', 0) } });
  expect((await ask(f, PEOPLE.intern.id, 'wipe my laptop')).text).toMatch(/wipes-per-hour/);
  expect((await ask(f, PEOPLE.alice.id, 'wipe my laptop')).text).toMatch(/wipes-per-hour/);
  const [notice] = await f.slack.waitFor(() => (notices(f).length ? notices(f) : undefined));
  await new Promise((r) => setTimeout(r, 300));
  expect(notices(f)).toHaveLength(1);
  expect(notice!.channel).toBe(APPROVALS_CHANNEL);
  expect(notice!.text).toMatch(/intern asked to wipe LAPTOP-INTERN-01/);
});
