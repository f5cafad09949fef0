import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { APPROVE_ACTION } from '../apps/slack/blocks/approval-card';
import { grants } from '../db/schema';
import { DEFAULT_POLICY_FILE } from '../policies/load';
import { dmChannelOf, type PostedMessage } from './support/loopback-slack';
import { PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

// Approver routing and quorum from a policy file, through the real Bolt app and a loopback Slack: cards
// reach exactly the approvers the rule names (channel, DMs, a Slack user group), a wrong approver is
// refused, and a quorum of two runs the action once, on the second distinct approval.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-slack-policy-'));
const shipped = YAML.parse(fs.readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as { rules: Array<Record<string, unknown>> };

function policy(name: string, change: Record<string, unknown>): string {
  const doc = structuredClone(shipped);
  Object.assign(doc.rules.find((r) => r.id === 'employee-own-access')!, change);
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}

let f: SlackFixture;
afterEach(async () => {
  await f?.close();
});

const cards = (fx: SlackFixture) => fx.slack.botMessages().filter((m) => (m.blocks ?? []).some((b) => b.type === 'actions') || /Request apr_/.test(JSON.stringify(m.blocks ?? [])));
const text = (m: PostedMessage) => JSON.stringify(m.blocks);
const granted = (fx: SlackFixture) => fx.sentinel.database.db.select().from(grants).all();
const ephemeral = (fx: SlackFixture, user: string, n: number) =>
  fx.slack.waitFor(() => {
    const list = fx.slack.state.ephemerals.filter((e) => e.user === user);
    return list.length >= n ? list[n - 1] : undefined;
  });

async function askAccess(fx: SlackFixture, expectCards: number) {
  const request = fx.slack.dm(PEOPLE.alice.id, 'I need read access to github for 4 hours');
  const [waiting] = await fx.slack.replies(request.channel, request.ts);
  const posted = await fx.slack.waitFor(() => (cards(fx).length >= expectCards ? cards(fx) : undefined));
  return { request, waiting: waiting!, cards: posted };
}

describe('approver routing and quorum in Slack', () => {
  test('quorum 2, no channel: cards go by DM to the two admins only; the first approval updates both cards and runs nothing; the second runs it once', async () => {
    f = await slackFixture({ approvalsChannel: null, env: { SENTINEL_POLICY: policy('quorum', { approvals: 2 }) } });
    const { request, waiting, cards: posted } = await askAccess(f, 2);
    expect(waiting.text).toMatch(/needs approval from 2 IT admins/);
    expect(posted.map((c) => c.channel).sort()).toEqual([dmChannelOf(PEOPLE.cto.id), dmChannelOf(PEOPLE.sam.id)].sort());
    expect(text(posted[0]!)).toMatch(/Needs approval from 2 IT admins/);

    await f.slack.click(PEOPLE.sam.id, posted[0]!, APPROVE_ACTION);
    expect((await ephemeral(f, PEOPLE.sam.id, 1)).text).toMatch(/recorded: 1 of 2/);
    await f.slack.waitFor(() => (posted.every((c) => c.updates > 0) ? true : undefined));
    for (const c of posted) expect(text(c)).toContain(`1 of 2 approved by <@${PEOPLE.sam.id}>`);
    expect(granted(f)).toHaveLength(0);

    await f.slack.click(PEOPLE.sam.id, posted[1]!, APPROVE_ACTION);
    expect((await ephemeral(f, PEOPLE.sam.id, 2)).text).toMatch(/already approved/);
    await f.slack.click(PEOPLE.alice.id, posted[0]!, APPROVE_ACTION);
    expect((await ephemeral(f, PEOPLE.alice.id, 1)).text).toMatch(/cannot approve your own/);
    expect(granted(f)).toHaveLength(0);

    await f.slack.click(PEOPLE.cto.id, posted[1]!, APPROVE_ACTION);
    const thread = await f.slack.replies(request.channel, request.ts, 2);
    expect(thread[1]!.text).toMatch(/now has read access to github/);
    expect(granted(f)).toHaveLength(1);
    await f.slack.waitFor(() => (posted.every((c) => !(c.blocks ?? []).some((b) => b.type === 'actions')) ? true : undefined));
  });

  test('listed approvers and a rule channel: the card goes only to that channel; an admin not listed is refused', async () => {
    f = await slackFixture({ env: { SENTINEL_POLICY: policy('users', { approvers: { users: ['cto'] }, channel: 'C0SECURITY' }) } });
    const { cards: posted } = await askAccess(f, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(cards(f).map((c) => c.channel)).toEqual(['C0SECURITY']);
    await f.slack.click(PEOPLE.sam.id, posted[0]!, APPROVE_ACTION);
    expect((await ephemeral(f, PEOPLE.sam.id, 1)).text).toMatch(/Only the listed approvers \(cto\) can approve/);
    expect(granted(f)).toHaveLength(0);
    await f.slack.click(PEOPLE.cto.id, posted[0]!, APPROVE_ACTION);
    await f.slack.waitFor(() => (granted(f).length ? true : undefined));
    expect(granted(f)).toHaveLength(1);
  });

  test('a Slack user group: its full members get the card; a guest in the group and an admin outside it cannot approve', async () => {
    const file = policy('usergroup', { approvers: { slack_usergroup: 'S0ITLEADS' } });
    f = await slackFixture({ approvalsChannel: null, env: { SENTINEL_POLICY: file } });
    f.slack.state.usergroups.set('S0ITLEADS', [PEOPLE.cto.id, PEOPLE.guestSam.id]);
    const { cards: posted } = await askAccess(f, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(cards(f).map((c) => c.channel)).toEqual([dmChannelOf(PEOPLE.cto.id)]);
    await f.slack.click(PEOPLE.sam.id, posted[0]!, APPROVE_ACTION);
    expect((await ephemeral(f, PEOPLE.sam.id, 1)).text).toMatch(/Only Slack user group S0ITLEADS can approve/);
    await f.slack.click(PEOPLE.guestSam.id, posted[0]!, APPROVE_ACTION);
    // A guest is told only that guests answer nobody's requests (not who does).
    expect((await ephemeral(f, PEOPLE.guestSam.id, 1)).text).toMatch(/Guest accounts cannot approve other people's requests/);
    expect(granted(f)).toHaveLength(0);
    await f.slack.click(PEOPLE.cto.id, posted[0]!, APPROVE_ACTION);
    await f.slack.waitFor(() => (granted(f).length ? true : undefined));
  });
});
