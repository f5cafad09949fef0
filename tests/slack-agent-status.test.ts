import { APPROVE_ACTION } from '../apps/slack/blocks/approval-card';
import { READING } from '../apps/slack/thread-status';
import type { LlmProvider } from '../machines/llm/provider';
import { offlineProvider } from '../machines/llm/offline';
import { agentFixture, gate, type AgentFixture } from './support/loopback-slack/app-fixture';
import { APPROVALS_CHANNEL, HELP_CHANNEL, PEOPLE } from './support/slack-fixture';

let f: AgentFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

/** The statuses the app itself set on a thread, in order ("" = an explicit clear). */
const statusCalls = (fx: AgentFixture, channel: string, threadTs: string) =>
  fx.slack.state.statusLog.filter((s) => s.by === 'call' && s.channel === channel && s.threadTs === threadTs).map((s) => s.status);
const cleared = (fx: AgentFixture, channel: string, threadTs: string) =>
  fx.slack.waitFor(() => {
    const calls = statusCalls(fx, channel, threadTs);
    return calls.length > 1 && calls[calls.length - 1] === '' ? calls : undefined;
  });

describe('Status line while Sentinel works, cleared when the turn ends (loopback Slack)', () => {
  test('an answer: "Reading your request…", then the tool ("Checking LAPTOP-ALICE-01…"), then cleared explicitly', async () => {
    f = await agentFixture();
    const m = f.slack.dm(PEOPLE.alice.id, 'my laptop is slow');
    const [answer] = await f.slack.replies(m.channel, m.ts);
    expect(answer!.text).toMatch(/LAPTOP-ALICE-01/);
    expect(await cleared(f, m.channel, m.ts)).toEqual([READING, 'Checking LAPTOP-ALICE-01…', '']);
    expect(f.slack.state.statuses.get(`${m.channel}/${m.ts}`)).toBe('');
  });

  test('the status shows while the tool runs, and goes once it finished', async () => {
    const slowMdm = gate();
    f = await agentFixture({
      backends: (b) => {
        let calls = 0;
        const mdm = Object.assign(Object.create(b.mdm) as typeof b.mdm, {
          // The guard looks the device up first; the tool's own look-up (the second) waits.
          get: async (id: string) => {
            if (++calls === 2) await slowMdm.wait;
            return b.mdm.get(id);
          },
        });
        return { ...b, mdm };
      },
    });
    const fx = f;
    const m = fx.slack.dm(PEOPLE.alice.id, 'run a diagnostic on LAPTOP-ALICE-01');
    await fx.slack.waitFor(() => (fx.slack.state.statuses.get(`${m.channel}/${m.ts}`) === 'Checking LAPTOP-ALICE-01…' ? true : undefined));
    // No answer yet: only the streamed preview of the turn (its task), which the answer is written over.
    expect(fx.slack.botMessages({ channel: m.channel }).filter((b) => !b.stream)).toHaveLength(0);
    slowMdm.open();
    await fx.slack.replies(m.channel, m.ts);
    expect(await cleared(fx, m.channel, m.ts)).toEqual([READING, 'Checking LAPTOP-ALICE-01…', '']);
  });

  test('a turn ending in an approval card clears the status (nothing ran: no tool status)', async () => {
    f = await agentFixture();
    const m = f.slack.dm(PEOPLE.alice.id, 'I need read access to github for 8 hours');
    const [reply] = await f.slack.replies(m.channel, m.ts);
    expect(reply!.text).toMatch(/needs approval/);
    await f.slack.waitFor(() => (f!.slack.botMessages({ channel: APPROVALS_CHANNEL }).length ? true : undefined));
    expect(await cleared(f, m.channel, m.ts)).toEqual([READING, '']);
  });

  test('an approved request runs in the requester\'s thread with its own status, cleared when done', async () => {
    f = await agentFixture();
    const fx = f;
    const m = fx.slack.dm(PEOPLE.alice.id, 'I need read access to github for 8 hours');
    const card = (await fx.slack.waitFor(() => fx.slack.botMessages({ channel: APPROVALS_CHANNEL })[0]))!;
    await cleared(fx, m.channel, m.ts);
    await fx.slack.click(PEOPLE.sam.id, card, APPROVE_ACTION);
    await fx.slack.replies(m.channel, m.ts, 2);
    const calls = await fx.slack.waitFor(() => {
      const c = statusCalls(fx, m.channel, m.ts);
      return c.length === 4 && c[3] === '' ? c : undefined;
    });
    expect(calls).toEqual([READING, '', 'Granting read access to github…', '']);
  });

  test('a turn ending in an error (the LLM unreachable) clears the status', async () => {
    const down: LlmProvider = { name: 'down', propose: async () => Promise.reject(new Error('connect ECONNREFUSED')), summarize: offlineProvider.summarize };
    f = await agentFixture({ llm: down });
    const m = f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'my laptop is slow');
    const [reply] = await f.slack.replies(HELP_CHANNEL, m.ts);
    expect(reply!.text).toMatch(/could not reach my language model/);
    expect(await cleared(f, HELP_CHANNEL, m.ts)).toEqual([READING, '']);
  });

  test('a tool whose backend throws: the status is still cleared', async () => {
    f = await agentFixture({
      backends: (b) => {
        let calls = 0;
        const mdm = Object.assign(Object.create(b.mdm) as typeof b.mdm, {
          get: async (id: string) => {
            if (++calls === 2) throw new Error('MDM timed out');
            return b.mdm.get(id);
          },
        });
        return { ...b, mdm };
      },
    });
    const m = f.slack.dm(PEOPLE.alice.id, 'run a diagnostic on LAPTOP-ALICE-01');
    const [reply] = await f.slack.replies(m.channel, m.ts);
    expect(reply!.text).not.toMatch(/battery/);
    expect(await cleared(f, m.channel, m.ts)).toEqual([READING, 'Checking LAPTOP-ALICE-01…', '']);
  });

  test('status calls are off the turn\'s path: a slow or failing setStatus delays and fails nothing', async () => {
    f = await agentFixture();
    f.slack.failNext('assistant.threads.setStatus', { delayMs: 3_000 });
    const slow = f.slack.dm(PEOPLE.alice.id, 'reset my password');
    const startedAt = Date.now();
    const [answer] = await f.slack.replies(slow.channel, slow.ts);
    expect(answer!.text).toMatch(/password reset link/);
    expect(Date.now() - startedAt).toBeLessThan(2_500);
    // A rate limit and a platform error on status calls: the turn is answered all the same.
    f.slack.failNext('assistant.threads.setStatus', { status: 429, retryAfter: 30 });
    f.slack.failNext('assistant.threads.setStatus', { error: 'invalid_thread_ts' });
    const other = f.slack.dm(PEOPLE.intern.id, 'reset my password');
    const [second] = await f.slack.replies(other.channel, other.ts);
    expect(second!.text).toMatch(/intern@example\.com/);
    // The first thread's status, set late, was still cleared after it (calls go out in order per thread);
    // its tool status, due while the 429's Retry-After ran, was skipped.
    expect(await cleared(f, slow.channel, slow.ts)).toEqual([READING, '']);
  });

  test('a quick answer shows no status at all by default (it is its own feedback); a slow one shows it after 300 ms', async () => {
    const thinking = gate();
    let slow = false;
    const llm: LlmProvider = {
      name: 'sometimes-slow',
      propose: async (req, signal) => {
        if (slow) await thinking.wait;
        return offlineProvider.propose(req, signal);
      },
      summarize: offlineProvider.summarize,
    };
    f = await agentFixture({ llm, statusAfterMs: 300 });
    const fx = f;
    const quick = fx.slack.dm(PEOPLE.alice.id, 'reset my password');
    await fx.slack.replies(quick.channel, quick.ts);
    await new Promise((r) => setTimeout(r, 500));
    expect(fx.slack.state.calls.filter((c) => c.method === 'assistant.threads.setStatus' || c.method === 'agents.sessions.setStatus')).toEqual([]);
    slow = true;
    const m = fx.slack.dm(PEOPLE.intern.id, 'reset my password');
    await fx.slack.waitFor(() => (fx.slack.state.statuses.get(`${m.channel}/${m.ts}`) === READING ? true : undefined));
    expect(fx.slack.state.sessions.get(`${m.channel}/${m.ts}`)?.status).toBe('processing');
    thinking.open();
    await fx.slack.replies(m.channel, m.ts);
    expect(await cleared(fx, m.channel, m.ts)).toEqual([READING, 'Sending a password reset link…', '']);
    await fx.slack.waitFor(() => (fx.slack.state.sessions.get(`${m.channel}/${m.ts}`)?.status === 'active' ? true : undefined));
  });

  test('a 429 on status calls holds them off for its Retry-After; other threads show none meanwhile, and nothing waits', async () => {
    f = await agentFixture();
    f.slack.failNext('assistant.threads.setStatus', { status: 429, retryAfter: 30 });
    const first = f.slack.dm(PEOPLE.alice.id, 'reset my password');
    await f.slack.replies(first.channel, first.ts);
    const second = f.slack.dm(PEOPLE.intern.id, 'reset my password');
    await f.slack.replies(second.channel, second.ts);
    await new Promise((r) => setTimeout(r, 300));
    // The refused "Reading…" (429), then only its clear; the second thread makes no status call at all.
    expect(statusCalls(f, first.channel, first.ts)).toEqual(['']);
    expect(statusCalls(f, second.channel, second.ts)).toEqual([]);
    expect(f.slack.state.calls.filter((c) => c.method === 'assistant.threads.setStatus')).toHaveLength(2);
  });

  test('a kind of conversation Slack refuses status lines in gets none after the first refusal; others keep them', async () => {
    f = await agentFixture();
    f.slack.failNext('assistant.threads.setStatus', { error: 'method_not_supported_for_channel_type' });
    const first = f.slack.mention(PEOPLE.alice.id, HELP_CHANNEL, 'reset my password');
    await f.slack.replies(HELP_CHANNEL, first.ts);
    const second = f.slack.mention(PEOPLE.intern.id, HELP_CHANNEL, 'reset my password');
    await f.slack.replies(HELP_CHANNEL, second.ts);
    const dm = f.slack.dm(PEOPLE.alice.id, 'reset my password');
    await f.slack.replies(dm.channel, dm.ts);
    expect(await cleared(f, dm.channel, dm.ts)).toEqual([READING, 'Sending a password reset link…', '']);
    // The refused "Reading…" is followed by its clear (it might have shown); the second mention makes no call.
    expect(statusCalls(f, HELP_CHANNEL, second.ts)).toEqual([]);
  });
});
