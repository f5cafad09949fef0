import { openaiProvider } from '../machines/llm/openai';
import { escapeMrkdwn } from '../apps/slack/mrkdwn';
import { APPROVE_ACTION } from '../apps/slack/blocks/approval-card';
import { agentFixture, type AgentFixture } from './support/loopback-slack/app-fixture';
import { completion, startFakeOpenAI, toolCall } from './support/fake-openai';
import type { PostedMessage } from './support/loopback-slack';
import { APPROVALS_CHANNEL, HELP_CHANNEL, PEOPLE } from './support/slack-fixture';

// A turn's tool calls shown as tasks in one streamed message (pending → in progress → complete / error),
// which the turn's reply is then written over; in DMs and, to the person asking, in channel threads.

let f: AgentFixture | undefined;
let llm: Awaited<ReturnType<typeof startFakeOpenAI>> | undefined;
afterEach(async () => {
  await f?.close();
  await llm?.close();
  f = undefined;
  llm = undefined;
});

const calls = (fx: AgentFixture, method: string) => fx.slack.state.calls.filter((c) => c.method === method);
/** Each task's states in the order the streamed message received them. */
const taskStates = (m: PostedMessage) => (m.stream?.tasks ?? []).map((t) => `${t.id} ${t.title}: ${t.status}`);
/** The reply the turn settled with, as the deliverer writes it (escaped for mrkdwn). */
const replyText = (fx: AgentFixture) => {
  const rows = fx.sentinel.database.sqlite.prepare("select body from outbox where kind = 'reply' order by id").all() as Array<{ body: string }>;
  return escapeMrkdwn((JSON.parse(rows.at(-1)!.body) as { text: string }).text);
};
/** The thread's one answer, once the reply was written over the streamed message. */
async function answerIn(fx: AgentFixture, channel: string, threadTs: string): Promise<PostedMessage> {
  const [answer] = await fx.slack.replies(channel, threadTs);
  await new Promise((r) => setTimeout(r, 200));
  expect(fx.slack.botMessages({ channel, threadTs })).toHaveLength(1);
  expect(calls(fx, 'chat.postMessage').filter((c) => c.params.thread_ts === threadTs)).toHaveLength(0);
  return answer!;
}

describe('tool calls streamed as tasks (loopback Slack, the offline planner)', () => {
  test('a diagnostic: pending, in progress, complete, in its own words; the message then becomes the reply', async () => {
    f = await agentFixture();
    const m = f.slack.dm(PEOPLE.alice.id, 'run a diagnostic on LAPTOP-ALICE-01');
    const answer = await answerIn(f, m.channel, m.ts);
    expect(answer.stream).toMatchObject({ streaming: false, mode: 'chunks' });
    expect(taskStates(answer)).toEqual(['task-1 Checking LAPTOP-ALICE-01: pending', 'task-1 Checking LAPTOP-ALICE-01: in_progress', 'task-1 Checking LAPTOP-ALICE-01: complete']);
    // Slack refuses mixing modes: every call of this stream carried chunks, none markdown_text.
    for (const c of [...calls(f, 'chat.startStream'), ...calls(f, 'chat.appendStream')]) {
      expect(c.params.markdown_text).toBeUndefined();
      expect(Array.isArray(c.params.chunks)).toBe(true);
    }
    // Never the raw arguments: a task is its title, id and status only.
    const sent = [...calls(f, 'chat.startStream'), ...calls(f, 'chat.appendStream')].flatMap((c) => c.params.chunks as Array<Record<string, unknown>>);
    expect(sent.every((c) => Object.keys(c).sort().join() === 'id,status,title,type')).toBe(true);
    // The offline planner streams no summary; the reply is written over the message, exactly.
    expect(answer.text).toBe(replyText(f));
    expect(answer.metadata).toMatchObject({ event_type: 'sentinel_outbox', event_payload: { key: expect.stringMatching(/^reply:/) } });
    // Written over, the record of the stream is gone.
    expect((f.sentinel.database.sqlite.prepare('select count(*) n from reply_streams').get() as { n: number }).n).toBe(0);
  });

  test('a tool that fails shows its task as error', async () => {
    f = await agentFixture({
      backends: (b) => {
        let n = 0;
        const mdm = Object.assign(Object.create(b.mdm) as typeof b.mdm, {
          // The guard looks the device up first; the tool's own look-up (the second) fails.
          get: async (id: string) => {
            if (++n === 2) throw new Error('MDM timed out');
            return b.mdm.get(id);
          },
        });
        return { ...b, mdm };
      },
    });
    const m = f.slack.dm(PEOPLE.alice.id, 'run a diagnostic on LAPTOP-ALICE-01');
    const answer = await answerIn(f, m.channel, m.ts);
    expect(taskStates(answer)).toEqual(['task-1 Checking LAPTOP-ALICE-01: pending', 'task-1 Checking LAPTOP-ALICE-01: in_progress', 'task-1 Checking LAPTOP-ALICE-01: error']);
    expect(answer.text).toBe(replyText(f));
  });

  test('a turn that runs nothing (and writes no summary) opens no stream', async () => {
    f = await agentFixture();
    const m = f.slack.dm(PEOPLE.alice.id, 'I need read access to github for 8 hours');
    await f.slack.replies(m.channel, m.ts);
    await new Promise((r) => setTimeout(r, 200));
    expect(calls(f, 'chat.startStream')).toHaveLength(0);
  });

  test('in a channel thread the turn streams to the person who asked (recipient user and team)', async () => {
    f = await agentFixture();
    const m = f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'run a diagnostic on LAPTOP-ALICE-01');
    const answer = await answerIn(f, HELP_CHANNEL, m.ts);
    const [start] = calls(f, 'chat.startStream');
    expect(start!.params).toMatchObject({ channel: HELP_CHANNEL, thread_ts: m.ts, recipient_user_id: PEOPLE.alice.id, recipient_team_id: f.slack.team });
    expect(taskStates(answer).at(-1)).toBe('task-1 Checking LAPTOP-ALICE-01: complete');
    expect(answer.text).toBe(replyText(f));
  });

  test('in a channel, a stream without a recipient is refused as Slack does (missing_recipient_user_id)', async () => {
    f = await agentFixture();
    const m = f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'hello');
    const res = await fetch(`${f.slack.apiUrl}chat.startStream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.slack.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: HELP_CHANNEL, thread_ts: m.ts, chunks: [{ type: 'markdown_text', text: 'hi' }] }),
    });
    expect(await res.json()).toEqual({ ok: false, error: 'missing_recipient_user_id' });
  });

  test('an approved action runs in the requester\'s DM thread as a task', async () => {
    f = await agentFixture();
    const fx = f;
    const m = fx.slack.dm(PEOPLE.alice.id, 'wipe my laptop');
    await fx.slack.replies(m.channel, m.ts);
    const card = await fx.slack.waitFor(() => fx.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]);
    await fx.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION);
    const [, outcome] = await fx.slack.replies(m.channel, m.ts, 2);
    expect(taskStates(outcome!)).toEqual(['task-1 Wiping LAPTOP-ALICE-01: pending', 'task-1 Wiping LAPTOP-ALICE-01: in_progress', 'task-1 Wiping LAPTOP-ALICE-01: complete']);
    expect(outcome!.text).toBe(replyText(fx));
  });
});

describe('an approval card after a stream (loopback Slack, the real OpenAI provider)', () => {
  test('the stream is stopped, the status cleared and the session active before the card is posted', async () => {
    llm = await startFakeOpenAI([
      {
        body: completion({
          content: null,
          tool_calls: [
            toolCall('run_device_diagnostic', '{"device_id":"LAPTOP-ALICE-01"}', 'call_1'),
            toolCall('execute_remote_command', '{"device_id":"LAPTOP-ALICE-01","command":"wipe"}', 'call_2'),
          ],
        }),
      },
      { stream: ['Your laptop looks fine. ', 'The wipe needs an approver.'], pauseMs: 20 },
    ]);
    f = await agentFixture({ llm: openaiProvider({ apiKey: 'sk-test', baseURL: llm.baseURL, model: 'test-model', timeoutMs: 5000, maxRetries: 1 }) });
    const fx = f;
    const m = fx.slack.dm(PEOPLE.alice.id, 'check my laptop, then wipe it');
    // Slack is slow to answer the stream's stop and the session's move to active: the card waits for both.
    await fx.slack.waitFor(() => (fx.slack.state.sessions.get(`${m.channel}/${m.ts}`)?.status === 'processing' ? true : undefined));
    fx.slack.failNext('chat.stopStream', { delayMs: 800 });
    fx.slack.failNext('agents.sessions.setStatus', { delayMs: 800 });
    const card = await fx.slack.waitFor(() => fx.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]);
    const answer = await answerIn(fx, m.channel, m.ts);
    expect(taskStates(answer).at(-1)).toBe('task-1 Checking LAPTOP-ALICE-01: complete');
    // The summary went into the same stream as markdown_text chunks.
    expect(answer.stream!.mode).toBe('chunks');
    const log = fx.slack.state.calls;
    const at = (pred: (c: (typeof log)[number]) => boolean) => log.findIndex(pred);
    const cardPost = at((c) => c.method === 'chat.postMessage' && c.params.channel === APPROVALS_CHANNEL);
    const stop = at((c) => c.method === 'chat.stopStream' && c.params.ts === answer.ts);
    const active = at((c) => c.method === 'agents.sessions.setStatus' && c.params.thread_ts === m.ts && c.params.status === 'active');
    const clear = at((c) => c.method === 'assistant.threads.setStatus' && c.params.thread_ts === m.ts && c.params.status === '');
    expect(card).toBeDefined();
    expect(cardPost).toBeGreaterThan(-1);
    expect(stop).toBeGreaterThan(-1);
    expect(active).toBeGreaterThan(-1);
    expect(clear).toBeGreaterThan(-1);
    expect(stop).toBeLessThan(cardPost);
    expect(active).toBeLessThan(cardPost);
    expect(clear).toBeLessThan(cardPost);
    // The reply, with where the card went.
    expect(answer.text).toBe(`${replyText(fx)}\n\nWaiting for an approver in <#${APPROVALS_CHANNEL}>.`);
  });
});
