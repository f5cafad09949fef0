import type { LlmProvider } from '../machines/llm/provider';
import { offlineProvider } from '../machines/llm/offline';
import type { Plan } from '../machines/types';
import { READING } from '../apps/slack/thread-status';
import { call } from './support/harness';
import { agentFixture, gate, type AgentFixture } from './support/loopback-slack/app-fixture';
import { HELP_CHANNEL, PEOPLE } from './support/slack-fixture';

let f: AgentFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

/** An LLM that proposes `plan` for every message, once `ready` lets it answer (it ignores abort signals). */
function llm(plan: Plan, ready?: Promise<void>): LlmProvider {
  return {
    name: 'scripted',
    async propose() {
      await ready;
      return plan;
    },
    summarize: offlineProvider.summarize,
  };
}

const TICKET_THEN_DIAGNOSTIC: Plan = {
  text: 'I will open a ticket and check your laptop.',
  calls: [
    call('create_support_ticket', { summary: 'Laptop is slow', description: 'It is slow since Monday', priority: 'low' }),
    call('run_device_diagnostic', { device_id: 'LAPTOP-ALICE-01' }),
  ],
};

/** Backends whose ticket creation waits for the test (the first tool is "running" until then). */
function slowTickets(g: { wait: Promise<void> }) {
  return (b: Parameters<NonNullable<Parameters<typeof agentFixture>[0]>['backends'] & object>[0]) => {
    const tickets = Object.assign(Object.create(b.tickets) as typeof b.tickets, {
      create: async (...args: Parameters<typeof b.tickets.create>) => {
        await g.wait;
        return b.tickets.create(...args);
      },
    });
    return { ...b, tickets };
  };
}

const count = (fx: AgentFixture, sql: string) => (fx.sentinel.database.sqlite.prepare(sql).get() as { n: number }).n;
const started = (fx: AgentFixture, tool: string) => count(fx, `select count(*) n from audit where kind = 'execution_started' and json_extract(data, '$.tool') = '${tool}'`);
const session = (fx: AgentFixture, channel: string, ts: string) => fx.slack.state.sessions.get(`${channel}/${ts}`);

describe('Stop: Slack\'s Stop button and "stop" typed in the thread (loopback Slack)', () => {
  test('Stop while the LLM is still reading: its call is abandoned, nothing runs even when it answers later, the session leaves processing', async () => {
    const thinking = gate();
    f = await agentFixture({ llm: llm({ text: 'Sending a reset link.', calls: [call('reset_password', { user: 'alice' })] }, thinking.wait) });
    const fx = f;
    const m = fx.slack.dm(PEOPLE.alice.id, 'reset my password');
    // The session is processing, named after the request and started by alice: Slack shows Stop.
    await fx.slack.waitFor(() => (session(fx, m.channel, m.ts)?.status === 'processing' ? true : undefined));
    expect(session(fx, m.channel, m.ts)).toMatchObject({ title: 'reset my password', initiator: PEOPLE.alice.id });
    expect(fx.slack.pressStop(PEOPLE.alice.id, m.channel, m.ts)).not.toBeNull();
    // Answered while the LLM is still "thinking": the call was abandoned, not awaited.
    const [reply] = await fx.slack.replies(m.channel, m.ts);
    expect(reply!.text).toBe('⏹️ Stopped, as you asked: nothing was run.');
    thinking.open();
    await fx.slack.waitFor(() => (session(fx, m.channel, m.ts)?.status === 'active' ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(count(fx, 'select count(*) n from password_resets')).toBe(0);
    expect(count(fx, "select count(*) n from audit where kind = 'execution_started'")).toBe(0);
    expect(fx.slack.state.statusLog.filter((s) => s.by === 'call').map((s) => s.status)).toEqual([READING, '']);
    expect(fx.slack.botMessages({ channel: m.channel })).toHaveLength(1);
  });

  test('Stop while a tool runs: that tool finishes and is reported honestly, the next one never starts', async () => {
    const ticketing = gate();
    f = await agentFixture({ llm: llm(TICKET_THEN_DIAGNOSTIC), backends: slowTickets(ticketing) });
    const fx = f;
    const m = fx.slack.dm(PEOPLE.alice.id, 'my laptop is slow, open a ticket and check it');
    await fx.slack.waitFor(() => (fx.slack.state.statuses.get(`${m.channel}/${m.ts}`) === 'Opening a ticket…' ? true : undefined));
    expect(fx.slack.pressStop(PEOPLE.alice.id, m.channel, m.ts)).not.toBeNull();
    await fx.slack.waitFor(() => (fx.slack.link.sent.every((e) => fx.slack.link.acks.has(e.envelope_id)) ? true : undefined));
    ticketing.open();
    const [reply] = await fx.slack.replies(m.channel, m.ts);
    expect(reply!.text).toMatch(/^⏹️ Stopped, as you asked\. What had already started is reported below; nothing else was run\./);
    expect(reply!.text).toMatch(/IT-\d+/); // the ticket that was opened, said plainly
    expect(reply!.text).toMatch(/🚫 run a diagnostic on LAPTOP-ALICE-01: Not run: you stopped this request before it started/);
    expect(reply!.text).not.toMatch(/I will open a ticket/); // the LLM's plan text is not shown as if it all happened
    expect(started(fx, 'create_support_ticket')).toBe(1);
    expect(started(fx, 'run_device_diagnostic')).toBe(0);
    expect(count(fx, "select count(*) n from executions where tool = 'run_device_diagnostic' and status = 'failed' and json_extract(output, '$.stopped') = 1")).toBe(1);
    await fx.slack.waitFor(() => (session(fx, m.channel, m.ts)?.status === 'active' ? true : undefined));
  });

  test('"stop" typed in the thread does the same, and is not answered as a message of its own', async () => {
    const ticketing = gate();
    f = await agentFixture({ llm: llm(TICKET_THEN_DIAGNOSTIC), backends: slowTickets(ticketing) });
    const fx = f;
    const m = fx.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'my laptop is slow, open a ticket and check it');
    await fx.slack.waitFor(() => (fx.slack.state.statuses.get(`${HELP_CHANNEL}/${m.ts}`) === 'Opening a ticket…' ? true : undefined));
    fx.slack.say(PEOPLE.alice.id, HELP_CHANNEL, 'stop', { threadTs: m.ts });
    await fx.slack.waitFor(() => (fx.slack.link.sent.every((e) => fx.slack.link.acks.has(e.envelope_id)) ? true : undefined));
    await new Promise((r) => setTimeout(r, 100));
    ticketing.open();
    const [reply] = await fx.slack.replies(HELP_CHANNEL, m.ts);
    expect(reply!.text).toMatch(/^⏹️ Stopped/);
    expect(reply!.text).toMatch(/🚫 run a diagnostic on LAPTOP-ALICE-01: Not run/);
    await new Promise((r) => setTimeout(r, 300));
    expect(fx.slack.botMessages({ channel: HELP_CHANNEL })).toHaveLength(1);
    expect(started(fx, 'run_device_diagnostic')).toBe(0);
  });

  test('only the person who asked can stop it: someone else\'s Stop is refused privately and the turn runs on', async () => {
    const ticketing = gate();
    f = await agentFixture({ llm: llm(TICKET_THEN_DIAGNOSTIC), backends: slowTickets(ticketing) });
    const fx = f;
    const m = fx.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'my laptop is slow, open a ticket and check it');
    await fx.slack.waitFor(() => (fx.slack.state.statuses.get(`${HELP_CHANNEL}/${m.ts}`) === 'Opening a ticket…' ? true : undefined));
    expect(fx.slack.pressStop(PEOPLE.intern.id, HELP_CHANNEL, m.ts)).not.toBeNull();
    const [refusal] = await fx.slack.waitFor(() => (fx.slack.state.ephemerals.length ? fx.slack.state.ephemerals : undefined));
    expect(refusal).toMatchObject({ user: PEOPLE.intern.id, text: 'Only the person who asked can stop this request.' });
    ticketing.open();
    const [reply] = await fx.slack.replies(HELP_CHANNEL, m.ts);
    expect(reply!.text).not.toMatch(/Stopped/);
    expect(started(fx, 'run_device_diagnostic')).toBe(1);
  });

  test('"cancel" with nothing running is an ordinary message, as before (the planner withdraws waiting requests)', async () => {
    f = await agentFixture();
    const fx = f;
    const m = fx.slack.dm(PEOPLE.alice.id, 'I need read access to github for 8 hours');
    await fx.slack.replies(m.channel, m.ts);
    await fx.slack.waitFor(() => (session(fx, m.channel, m.ts)?.status === 'active' ? true : undefined));
    expect(fx.slack.pressStop(PEOPLE.alice.id, m.channel, m.ts)).toBeNull(); // no Stop button once the turn ended
    fx.slack.dm(PEOPLE.alice.id, 'cancel that', { threadTs: m.ts });
    const both = await fx.slack.replies(m.channel, m.ts, 2);
    expect(both[1]!.text).toMatch(/Withdrawn/);
  });
});
