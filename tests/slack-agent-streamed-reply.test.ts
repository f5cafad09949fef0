import { openaiProvider } from '../machines/llm/openai';
import { FEEDBACK_ACTION } from '../apps/slack/blocks/feedback';
import { agentFixture, type AgentFixture } from './support/loopback-slack/app-fixture';
import { completion, startFakeOpenAI, toolCall, type Reply } from './support/fake-openai';
import { PEOPLE } from './support/slack-fixture';

let f: AgentFixture | undefined;
let llm: Awaited<ReturnType<typeof startFakeOpenAI>> | undefined;
afterEach(async () => {
  await f?.close();
  await llm?.close();
  f = undefined;
  llm = undefined;
});

/** The real OpenAI provider against a fake endpoint: it proposes check_ticket_status, then writes the summary in pieces. */
async function withOpenAI(summary: Reply, loopback = {}): Promise<AgentFixture> {
  llm = await startFakeOpenAI([{ body: completion({ content: null, tool_calls: [toolCall('check_ticket_status', '{"ticket_id":"IT-1042"}')] }) }, summary]);
  f = await agentFixture({ llm: openaiProvider({ apiKey: 'sk-test', baseURL: llm.baseURL, model: 'test-model', timeoutMs: 5000, maxRetries: 1 }), loopback });
  return f;
}
const PIECES = ['IT-1042 ', 'is still ', 'being worked on', ' by the IT team.'];
const calls = (fx: AgentFixture, method: string) => fx.slack.state.calls.filter((c) => c.method === method);
/** The text a call streamed: its markdown_text, or its markdown_text chunks (a stream that shows tasks too). */
const streamedText = (c: { params: Record<string, unknown> }) =>
  Array.isArray(c.params.chunks) ? (c.params.chunks as Array<{ type: string; text?: string }>).map((x) => (x.type === 'markdown_text' ? x.text : '')).join('') : String(c.params.markdown_text ?? '');

describe('answers an LLM writes are streamed into the thread (loopback Slack, the real OpenAI provider)', () => {
  test('the summary arrives in pieces in one message, which then becomes the reply: its exact text, the feedback buttons, no second post', async () => {
    const fx = await withOpenAI({ stream: PIECES, pauseMs: 30 });
    const m = fx.slack.dm(PEOPLE.alice.id, "what's the status of IT-1042?");
    const [reply] = await fx.slack.replies(m.channel, m.ts);
    // The message shown is the stream (the ticket look-up as a task, then the summary), ended and then written over.
    expect(reply!.stream).toBeDefined();
    await fx.slack.waitFor(() => (reply!.stream!.streaming === false && reply!.updates > 0 ? true : undefined));
    // The summary was asked for as a stream.
    expect(llm!.requests[1]!.body.stream).toBe(true);
    expect(calls(fx, 'chat.startStream')).toHaveLength(1);
    expect(calls(fx, 'chat.appendStream').length).toBeGreaterThanOrEqual(1);
    expect(calls(fx, 'chat.stopStream')).toHaveLength(1);
    // Assembled from the pieces, it was the LLM's text.
    expect([...calls(fx, 'chat.startStream'), ...calls(fx, 'chat.appendStream')].map(streamedText).join('')).toBe(PIECES.join(''));
    // Then the outbox's reply was written over it, not posted again.
    expect(reply!.text).toContain(PIECES.join('').trim());
    expect(reply!.blocks!.at(-1)).toMatchObject({ type: 'context_actions', elements: [{ type: 'feedback_buttons', action_id: FEEDBACK_ACTION }] });
    expect(reply!.metadata).toMatchObject({ event_type: 'sentinel_outbox', event_payload: { key: expect.stringMatching(/^reply:/) } });
    await new Promise((r) => setTimeout(r, 300));
    expect(fx.slack.botMessages({ channel: m.channel, threadTs: m.ts })).toHaveLength(1);
    expect(calls(fx, 'chat.postMessage').filter((c) => c.params.thread_ts === m.ts)).toHaveLength(0);
    // The status line was cleared, the session left processing.
    expect(fx.slack.state.statuses.get(`${m.channel}/${m.ts}`) ?? '').toBe('');
    expect(fx.slack.state.sessions.get(`${m.channel}/${m.ts}`)?.status ?? 'active').not.toBe('processing');
    // A vote on it counts (its key is the reply's).
    await fx.slack.clickFeedback(PEOPLE.alice.id, reply!, 'up');
    await fx.slack.waitFor(() => ((fx.sentinel.database.sqlite.prepare('select count(*) n from feedback').get() as { n: number }).n === 1 ? true : undefined));
  });

  test('a stream Slack refuses falls back to the normal post', async () => {
    const fx = await withOpenAI({ stream: PIECES });
    fx.slack.failNext('chat.startStream', { error: 'channel_type_not_supported' });
    const m = fx.slack.dm(PEOPLE.alice.id, "what's the status of IT-1042?");
    const [reply] = await fx.slack.replies(m.channel, m.ts);
    expect(reply!.stream).toBeUndefined();
    expect(reply!.text).toContain(PIECES.join('').trim());
    await new Promise((r) => setTimeout(r, 300));
    expect(fx.slack.botMessages({ channel: m.channel, threadTs: m.ts })).toHaveLength(1);
  });

  test('a stream that expires mid-answer is written over with the whole reply', async () => {
    const fx = await withOpenAI({ stream: PIECES, pauseMs: 150 });
    const m = fx.slack.dm(PEOPLE.alice.id, "what's the status of IT-1042?");
    const started = await fx.slack.waitFor(() => fx.slack.botMessages({ channel: m.channel, threadTs: m.ts })[0]);
    expect(fx.slack.expireStreams()).toBe(1);
    await fx.slack.waitFor(() => (started.updates > 0 ? true : undefined));
    expect(started.text).toContain(PIECES.join('').trim());
    await new Promise((r) => setTimeout(r, 300));
    expect(fx.slack.botMessages({ channel: m.channel, threadTs: m.ts })).toHaveLength(1);
  });
});
