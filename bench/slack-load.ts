import fs from 'node:fs';
import path from 'node:path';
import { LoopbackSlack, dmChannelOf, type PostedMessage } from '../tests/support/loopback-slack';
import { spawn } from 'node:child_process';
import type { Actor } from '../policies/types';
import { percentile } from './measure';

export type SlackTarget = 'sentinel' | 'bare-bolt';

export interface LoadFigures {
  targetRate: number;
  achievedRate: number;
  events: number;
  ackMs: { p50: number; p99: number; max: number };
  /** Event → the bot's answer in the thread (Sentinel only: the bare app answers nothing). */
  replyMs: { p50: number; p99: number; max: number } | null;
  errors: { unacked: number; redelivered: number; unanswered: number; apologies: number; loggedErrors: number };
}

export interface LoadPlan {
  rates: number[];
  secondsPerRate: number;
  threads: number;
  /** Per thread, at a modest rate before measuring: creates the threads and warms the JIT and caches. */
  warmupRate: number;
  workDir: string;
  directoryFile: string;
  employee: (i: number) => Actor;
}

const ENTRY: Record<SlackTarget, string> = { sentinel: 'apps/slack/main.ts', 'bare-bolt': 'bench/bare-bolt.ts' };
const TEXTS = ['reset my password', 'my laptop is slow', 'what can you do?'];
const SORRY = /something went wrong on my side/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const slackUser = (j: number) => `U${String(j).padStart(7, '0')}`;

interface Sent {
  eventId: string;
  thread: number;
  /** Which message of its thread this is (0 = the one that started it). */
  nth: number;
}

/**
 * Drives one app (Sentinel as `npm start` runs it, or a bare Bolt app) through the loopback Slack at
 * steady event rates, one DM thread per person: event → ack, event → the bot's reply in the thread,
 * and every way an event can go wrong. The app runs in its own process, as in production.
 */
export async function slackLoad(target: SlackTarget, plan: LoadPlan): Promise<LoadFigures[]> {
  const slack = await LoopbackSlack.start();
  const roots: Array<PostedMessage | undefined> = [];
  const perThread: number[] = [];
  for (let j = 0; j < plan.threads; j++) slack.addUser({ id: slackUser(j), name: `person-${j}`, email: plan.employee(j).email ?? undefined });
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...slack.env(), LOG_LEVEL: 'error' };
  if (target === 'sentinel') {
    Object.assign(env, { SENTINEL_DB: path.join(plan.workDir, 'slack-load.db'), SENTINEL_LLM: 'offline', SENTINEL_DIRECTORY: plan.directoryFile, SENTINEL_APPROVALS_CHANNEL: 'C0APPROVALS' });
    fs.rmSync(env.SENTINEL_DB!, { force: true });
  }
  // Plain node with tsx's require hook: one process, as `npm start` would be once compiled. Extra node
  // flags (e.g. --cpu-prof) come from SENTINEL_BENCH_NODE_ARGS.
  const nodeArgs = (process.env.SENTINEL_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '-r', 'tsx/cjs', ENTRY[target]], { cwd: path.join(__dirname, '..'), env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    await slack.waitFor(() => (slack.link.connected ? true : undefined), 60_000);

    const send = (k: number): Sent => {
      const j = k % plan.threads;
      const root = roots[j];
      const nth = perThread[j] ?? 0;
      perThread[j] = nth + 1;
      const m = slack.dm(slackUser(j), TEXTS[k % TEXTS.length]!, root ? { threadTs: root.ts } : {});
      if (!root) roots[j] = m;
      return { eventId: m.eventId, thread: j, nth };
    };
    const drive = async (rate: number, count: number, offset: number) => {
      const sent: Sent[] = [];
      const start = performance.now();
      for (let k = 0; k < count; k++) {
        const wait = start + (k * 1000) / rate - performance.now();
        if (wait >= 1) await sleep(wait);
        sent.push(send(offset + k));
      }
      return { sent, seconds: (performance.now() - start) / 1000 };
    };

    const replies = replyIndex(slack);
    let offset = 0;
    const warm = await drive(plan.warmupRate, plan.threads, offset);
    offset += plan.threads;
    await settle(slack, target, warm.sent, roots, replies);

    const figures: LoadFigures[] = [];
    for (const rate of plan.rates) {
      const count = Math.round(rate * plan.secondsPerRate);
      const errorsBefore = loggedErrors(stderr);
      const { sent, seconds } = await drive(rate, count, offset);
      offset += count;
      await settle(slack, target, sent, roots, replies);
      figures.push(measure(slack, target, rate, sent, seconds, roots, replies, loggedErrors(stderr) - errorsBefore));
    }
    return figures;
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    child.kill('SIGKILL');
    await slack.close();
  }
}

/** Pino writes one JSON line per entry; at LOG_LEVEL=error every line is an error. */
const loggedErrors = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('{')).length;

/** event_id → the envelope that first carried it (redeliveries come in new envelopes). */
function firstEnvelopes(slack: LoopbackSlack): Map<string, string> {
  return new Map(slack.link.sent.filter((e) => e.type === 'events_api' && !e.retry_attempt).map((e) => [e.payload.event_id as string, e.envelope_id]));
}

type Replies = (root: PostedMessage) => PostedMessage[];

/**
 * The bot's replies in a thread, from an index kept up to date as messages arrive. settle() asks for
 * every event every 50 ms: scanning the whole workspace each time made the bench process (which is also
 * the loopback Slack) too busy to answer the app's posts, so the app's replies looked late.
 */
function replyIndex(slack: LoopbackSlack): Replies {
  const byThread = new Map<string, PostedMessage[]>();
  let seen = 0;
  return (root) => {
    const all = slack.state.messages;
    for (; seen < all.length; seen++) {
      const m = all[seen]!;
      if (m.user !== slack.botUserId || !m.thread_ts) continue;
      const key = `${m.channel}/${m.thread_ts}`;
      const list = byThread.get(key);
      if (list) list.push(m);
      else byThread.set(key, [m]);
    }
    return byThread.get(`${dmChannelOf(root.user)}/${root.ts}`) ?? [];
  };
}

/** Waits (up to 30 s) until every event is acked and, for Sentinel, answered. */
async function settle(slack: LoopbackSlack, target: SlackTarget, sent: Sent[], roots: Array<PostedMessage | undefined>, botReplies: Replies): Promise<void> {
  const envelopes = firstEnvelopes(slack);
  const done = () => {
    for (const s of sent) {
      const env = envelopes.get(s.eventId);
      if (!env || !slack.link.acks.has(env)) return false;
      if (target === 'sentinel' && botReplies(roots[s.thread]!).length <= s.nth) return false;
    }
    return true;
  };
  const deadline = Date.now() + 30_000;
  while (!done() && Date.now() < deadline) await sleep(50);
}

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p99: percentile(s, 0.99), max: s[s.length - 1] ?? NaN };
}

function measure(slack: LoopbackSlack, target: SlackTarget, rate: number, sent: Sent[], seconds: number, roots: Array<PostedMessage | undefined>, botReplies: Replies, loggedErrors: number): LoadFigures {
  const acks: number[] = [];
  const replies: number[] = [];
  let unacked = 0;
  let unanswered = 0;
  let apologies = 0;
  const eventIds = new Set(sent.map((s) => s.eventId));
  const envelopes = firstEnvelopes(slack);
  const redelivered = slack.link.sent.filter((e) => e.type === 'events_api' && e.retry_attempt && eventIds.has(e.payload.event_id as string)).length;
  for (const s of sent) {
    const env = envelopes.get(s.eventId);
    const out = env ? slack.link.transmittedAt.get(env) : undefined;
    const acked = env ? slack.link.acks.get(env) : undefined;
    if (out === undefined || acked === undefined) unacked++;
    else acks.push(acked - out);
    if (target !== 'sentinel' || out === undefined) continue;
    const reply = botReplies(roots[s.thread]!)[s.nth];
    if (!reply?.postedAt) unanswered++;
    else {
      replies.push(reply.postedAt - out);
      if (SORRY.test(reply.text)) apologies++;
    }
  }
  return {
    targetRate: rate,
    achievedRate: sent.length / seconds,
    events: sent.length,
    ackMs: summary(acks),
    replyMs: target === 'sentinel' ? summary(replies) : null,
    errors: { unacked, redelivered, unanswered, apologies, loggedErrors },
  };
}
