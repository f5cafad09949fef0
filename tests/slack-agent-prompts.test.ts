import { promptsFor } from '../apps/slack/prompts';
import { dmChannelOf, manifestScopes } from './support/loopback-slack';
import { PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

let f: SlackFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const promptCalls = (fx: SlackFixture) => fx.slack.state.calls.filter((c) => c.method === 'assistant.threads.setSuggestedPrompts');
const allAcked = (fx: SlackFixture) => fx.slack.waitFor(() => (fx.slack.link.sent.every((e) => fx.slack.link.acks.has(e.envelope_id)) ? true : undefined));

describe('Suggested prompts (agent_view) through Bolt and the loopback Slack', () => {
  test('opening the Messages tab sets prompts fitting the role: an admin sees their approval queue, a guest only tickets', async () => {
    f = await slackFixture();
    const fx = f;
    for (const who of [PEOPLE.sam, PEOPLE.alice, PEOPLE.guestAlias]) fx.slack.openMessagesTab(who.id);
    const shown = await fx.slack.waitFor(() => (fx.slack.state.suggestedPrompts.size === 3 ? fx.slack.state.suggestedPrompts : undefined));
    const titles = (u: string) => shown.get(dmChannelOf(u))!.prompts.map((p) => p.title);
    expect(shown.get(dmChannelOf(PEOPLE.sam.id))!.prompts[0]).toEqual({ title: 'Waiting for my approval', message: 'What is waiting for my approval?' });
    expect(titles(PEOPLE.alice.id)).toEqual(['Reset my password', 'My laptop is slow', 'Request access', 'My tickets']);
    expect(titles(PEOPLE.alice.id)).not.toContain('Waiting for my approval');
    expect(titles(PEOPLE.guestAlias.id)).toEqual(['My tickets']);
    // agent_view: prompts belong to the DM; a thread_ts would make Slack drop the call silently.
    for (const c of promptCalls(fx)) expect(c.params.thread_ts).toBeUndefined();
    expect(promptCalls(fx)).toHaveLength(3);
  });

  test('every prompt a role is offered is answered when clicked, never with "I can\'t"', async () => {
    f = await slackFixture();
    for (const who of [PEOPLE.sam, PEOPLE.alice, PEOPLE.guestAlias]) {
      const actor = await f.app.identity.actorFor(who.id);
      for (const p of promptsFor(actor.role)) {
        const m = f.slack.dm(who.id, p.message);
        const [answer] = await f.slack.replies(m.channel, m.ts);
        expect([who.name, p.message, answer!.text]).toEqual([who.name, p.message, expect.not.stringMatching(/✋|Sorry|Which device/)]);
      }
    }
  });

  test('the Home tab and the Messages tab are told apart; reopening the Messages tab does not resend the same prompts', async () => {
    f = await slackFixture();
    const fx = f;
    fx.slack.openHomeTab(PEOPLE.alice.id);
    fx.slack.openMessagesTab(PEOPLE.alice.id);
    await fx.slack.waitFor(() => (fx.slack.state.views.size === 1 && fx.slack.state.suggestedPrompts.size === 1 ? true : undefined));
    fx.slack.openMessagesTab(PEOPLE.alice.id);
    fx.slack.contextChanged(PEOPLE.alice.id, { channelId: 'C0HELP' });
    await allAcked(fx);
    await new Promise((r) => setTimeout(r, 200));
    expect(promptCalls(fx)).toHaveLength(1);
  });

  test('app_context_changed sets the prompts too (the agent pane opened beside a channel)', async () => {
    f = await slackFixture();
    const fx = f;
    fx.slack.contextChanged(PEOPLE.sam.id, { channelId: 'C0HELP' });
    const shown = await fx.slack.waitFor(() => fx.slack.state.suggestedPrompts.get(dmChannelOf(PEOPLE.sam.id)));
    expect(shown.prompts[0]!.message).toBe('What is waiting for my approval?');
  });

  test('legacy assistant_view: prompts are set on the assistant thread that started', async () => {
    f = await slackFixture({ loopback: { surface: 'assistant_view' } });
    const fx = f;
    const threadTs = fx.slack.startAssistantThread(PEOPLE.sam.id, { channelId: 'C0HELP' });
    const shown = await fx.slack.waitFor(() => fx.slack.state.suggestedPrompts.get(`${dmChannelOf(PEOPLE.sam.id)}/${threadTs}`));
    expect(shown.prompts.map((p) => p.message)).toEqual(promptsFor('admin').map((p) => p.message));
  });

  test('a workspace on the older manifest (no assistant:write): one refused call, then none; DMs work as before', async () => {
    f = await slackFixture({ loopback: { scopes: manifestScopes().filter((s) => s !== 'assistant:write') } });
    const fx = f;
    fx.slack.openMessagesTab(PEOPLE.alice.id);
    await fx.slack.waitFor(() => (promptCalls(fx).length === 1 ? true : undefined));
    fx.slack.openMessagesTab(PEOPLE.sam.id);
    fx.slack.contextChanged(PEOPLE.intern.id);
    await allAcked(fx);
    const m = fx.slack.dm(PEOPLE.alice.id, 'reset my password');
    const [answer] = await fx.slack.replies(m.channel, m.ts);
    expect(answer!.text).toMatch(/password reset link to alice@example\.com/);
    expect(promptCalls(fx)).toHaveLength(1);
    expect(fx.slack.state.suggestedPrompts.size).toBe(0);
  });
});
