import { APPROVE_ACTION } from '../apps/slack/blocks/approval-card';
import { EXTEND_ACTION } from '../apps/slack/home-view';
import { dmChannelOf } from './support/loopback-slack';
import { APPROVALS_CHANNEL, PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

let f: SlackFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const homeText = (fx: SlackFixture, user: string) => JSON.stringify(fx.slack.state.views.get(user) ?? {});
async function openHome(fx: SlackFixture, user: string, ok: (text: string) => boolean = () => true): Promise<Record<string, any>> {
  fx.slack.state.views.delete(user);
  fx.slack.openHomeTab(user);
  return fx.slack.waitFor(() => (fx.slack.state.views.has(user) && ok(homeText(fx, user)) ? fx.slack.state.views.get(user)! : undefined));
}
const q = <T>(fx: SlackFixture, sql: string) => fx.sentinel.database.sqlite.prepare(sql).all() as T[];

/** alice asks for github read access; cto approves it on the card. Returns the grant's Home button value. */
async function aliceHoldsGithub(fx: SlackFixture): Promise<string> {
  const m = fx.slack.dm(PEOPLE.alice.id, 'I need read access to github for 8 hours');
  await fx.slack.replies(m.channel, m.ts);
  const card = await fx.slack.waitFor(() => fx.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]);
  await fx.slack.click(PEOPLE.cto.id, card, APPROVE_ACTION);
  await fx.slack.replies(m.channel, m.ts, 2);
  const view = await openHome(fx, PEOPLE.alice.id, (t) => t.includes(EXTEND_ACTION));
  const button = (view.blocks as Array<Record<string, any>>).find((b) => b.accessory?.action_id === EXTEND_ACTION)!;
  expect(button.text.text).toMatch(/\*github\* read until/);
  expect(button.accessory.text.text).toBe('Request extension');
  return button.accessory.value as string;
}

describe('"Request extension" on an active grant in My access (loopback Slack)', () => {
  test('a click asks again for the same system and level under the same policy, in a new DM thread, as typing it would', async () => {
    f = await slackFixture();
    const fx = f;
    const grant = await aliceHoldsGithub(fx);
    const dm = dmChannelOf(PEOPLE.alice.id);
    const roots = () => fx.slack.botMessages({ channel: dm }).filter((m) => !m.thread_ts);
    await fx.slack.clickInHome(PEOPLE.alice.id, EXTEND_ACTION, grant);

    // A new thread in her DM, started by the bot, with the request's own answer in it.
    const root = await fx.slack.waitFor(() => roots()[0]);
    expect(root.text).toMatch(/From your Home tab: “extend my github read access”/);
    const [reply] = await fx.slack.replies(dm, root.ts);
    expect(reply!.text).toMatch(/github/);
    // A new request for the same access, decided by the same rule as the first, waiting for an admin.
    const pending = q<{ tool: string; args: string; conversation_id: string }>(fx, "select tool, args, conversation_id from approvals where status = 'pending'");
    expect(pending).toHaveLength(1);
    expect(pending[0]!.tool).toBe('provision_access');
    expect(JSON.parse(pending[0]!.args)).toMatchObject({ user: 'alice', system: 'github', level: 'read' });
    expect(pending[0]!.conversation_id).toContain(root.ts);
    const rules = q<{ rule: string; decision: string }>(fx, "select json_extract(data, '$.rule') rule, json_extract(data, '$.decision') decision from audit where kind = 'proposal_decided' and json_extract(data, '$.tool') = 'provision_access' order by seq");
    expect(rules).toHaveLength(2);
    expect(rules[1]).toEqual(rules[0]);
    // In the conversation as alice's own words, like a DM.
    expect(q(fx, `select author, content from messages where role = 'user' and conversation_id = '${pending[0]!.conversation_id}'`)).toEqual([{ author: 'alice', content: 'extend my github read access' }]);
    await fx.slack.waitFor(() => (fx.slack.botMessages({ channel: APPROVALS_CHANNEL }).length === 2 ? true : undefined));
    // Her Home said where it went, then (redrawn from the outbox) lists the new request.
    expect(fx.slack.state.calls.some((c) => c.method === 'views.publish' && JSON.stringify(c.params).includes('I asked for an extension of your github read access'))).toBe(true);
    await fx.slack.waitFor(() => ((homeText(fx, PEOPLE.alice.id).match(/⏳ waiting · grant alice read access to github/g) ?? []).length === 1 && /✅ approved/.test(homeText(fx, PEOPLE.alice.id)) ? true : undefined));
  });

  test('a double click asks once: one DM thread, one request, one card; the second click is told it was asked', async () => {
    f = await slackFixture();
    const fx = f;
    const grant = await aliceHoldsGithub(fx);
    const dm = dmChannelOf(PEOPLE.alice.id);
    await Promise.all([fx.slack.clickInHome(PEOPLE.alice.id, EXTEND_ACTION, grant), fx.slack.clickInHome(PEOPLE.alice.id, EXTEND_ACTION, grant)]);
    await fx.slack.waitFor(() => (fx.slack.state.calls.some((c) => c.method === 'views.publish' && JSON.stringify(c.params).includes('I already asked for an extension of your github read access')) ? true : undefined));
    await fx.slack.waitFor(() => (fx.slack.botMessages({ channel: APPROVALS_CHANNEL }).length === 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(fx.slack.botMessages({ channel: dm }).filter((m) => !m.thread_ts && /From your Home tab/.test(m.text ?? ''))).toHaveLength(1);
    expect(q(fx, "select id from approvals where status = 'pending'")).toHaveLength(1);
    expect(fx.slack.botMessages({ channel: APPROVALS_CHANNEL })).toHaveLength(2);
  });

  test("a stale or forged grant id asks for nothing: someone else's grant, a made-up one", async () => {
    f = await slackFixture();
    const fx = f;
    const grant = await aliceHoldsGithub(fx);
    await openHome(fx, PEOPLE.intern.id);
    await fx.slack.clickInHome(PEOPLE.intern.id, EXTEND_ACTION, grant, { force: true });
    await fx.slack.waitFor(() => (/not active any more/.test(homeText(fx, PEOPLE.intern.id)) ? true : undefined));
    await fx.slack.clickInHome(PEOPLE.alice.id, EXTEND_ACTION, '999999', { force: true });
    await fx.slack.waitFor(() => (/not active any more/.test(homeText(fx, PEOPLE.alice.id)) ? true : undefined));
    await fx.slack.clickInHome(PEOPLE.alice.id, EXTEND_ACTION, '../etc', { force: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(q(fx, "select id from approvals where status = 'pending'")).toEqual([]);
    expect(fx.slack.botMessages({ channel: dmChannelOf(PEOPLE.intern.id) })).toHaveLength(0);
    expect(fx.slack.botMessages({ channel: dmChannelOf(PEOPLE.alice.id) }).filter((m) => !m.thread_ts)).toHaveLength(0);
  });
});
