import type { types, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Db } from '../../db/client';
import { dropReplyStream, recordReplyStreamTs, reserveReplyStream, TS_UNKNOWN } from '../../db/reply-streams';
import type { TurnStep } from '../../machines/deps';
import { threadOf } from './conversation-key';
import { errorText } from './identity';
import { streamReply, type StreamPiece } from './stream-reply';
import { taskTitle } from './thread-status';

/** Pieces pushed by one side, read as an async iterable by the other, until ended. */
function pieceQueue() {
  const queued: StreamPiece[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  return {
    push(piece: StreamPiece) {
      queued.push(piece);
      poke();
    },
    end() {
      ended = true;
      poke();
    },
    async *pieces(): AsyncGenerator<StreamPiece> {
      for (;;) {
        // What arrived while the last piece was being sent goes as one: one appendStream, not one per token.
        if (queued.length) yield merged(queued.splice(0));
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

/** Texts joined; chunks kept in order (every task state is sent, Slack shows the last), adjacent texts joined. */
function merged(pieces: StreamPiece[]): StreamPiece {
  if (pieces.every((p) => typeof p === 'string')) return pieces.join('');
  const out: types.AnyChunk[] = [];
  for (const c of pieces.flatMap((p): types.AnyChunk[] => (typeof p === 'string' ? [{ type: 'markdown_text', text: p }] : p))) {
    const last = out.at(-1);
    if (c.type === 'markdown_text' && last?.type === 'markdown_text') out[out.length - 1] = { type: 'markdown_text', text: last.text + c.text };
    else out.push(c);
  }
  return out;
}

/** The person a stream in a channel is shown to as it arrives (Slack requires one there). */
export interface Recipient {
  user: string;
  team: string;
}

interface OpenStream {
  turn: number;
  /** chunks: opened by the turn's actions (tasks, then the summary as markdown_text chunks); text: by the summary alone. */
  mode: 'chunks' | 'text';
  queue: ReturnType<typeof pieceQueue>;
  /** Action key → its task (id and title), for its later states. */
  tasks: Map<string, { id: string; title: string }>;
  done: Promise<void>;
}

const BOUND = 1_000;
const remember = <K, V>(map: Map<K, V>, key: K, value: V) => {
  map.delete(key);
  map.set(key, value);
  if (map.size > BOUND) map.delete(map.keys().next().value!);
};

/**
 * A turn shown in its thread as it runs, in one streamed message: its tool calls as tasks (pending, in
 * progress, complete or error, titled in the status line's words) from the runner's `executing`,
 * `running` and `ran` steps, and the summary as an LLM writes it (`writing` steps). A turn with neither
 * opens no stream. The stream is a preview: the turn's reply still comes from the outbox, and the
 * deliverer writes it over the streamed message (chat.update: the exact final text, the feedback buttons,
 * its outbox key) instead of posting it. So that it does, in whichever process and after a restart too,
 * the message is recorded (db/reply-streams.ts) for its conversation and turn: reserved before
 * chat.startStream is sent, its ts as soon as Slack answers. A stream Slack refuses or ends early leaves
 * the deliverer to write over what was shown, or to post the reply when nothing was.
 *
 * DMs stream always. Channel threads stream only to a known recipient (Slack requires one; only they see
 * the text arrive, everyone else the first piece and then the whole): the sender of the turn's message,
 * or for a decision's turn (an approved action runs) the requester, when Slack knows them.
 */
export class StreamedReplies {
  private readonly open = new Map<string, OpenStream>();
  /** Conversation → its streams whose turn ended, until Slack answered their last call. */
  private readonly closing = new Map<string, Promise<void>>();
  /** `channel/ts` of streams this process stopped itself: the deliverer need not stop them again. */
  private readonly stopped = new Map<string, true>();
  /** Conversation → who sent its latest message (told by the message listeners before the turn runs). */
  private readonly senders = new Map<string, Recipient>();
  /** Conversation → the sender of the message whose turn is running (from its `reading` step). */
  private readonly askers = new Map<string, { turn: number; who: Recipient | undefined }>();
  /** Until when Slack asked us to hold off starting streams (a 429's Retry-After). */
  private holdOffUntil = 0;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    private readonly opts: {
      db: Db;
      /** The Slack user id of an approval's requester, or null when Slack does not know them. */
      requesterOf?: (approvalId: string) => Promise<string | null>;
    },
  ) {}

  /** The person whose message a conversation's next turn answers: a channel stream is shown to them. */
  recipient(conversationId: string, user: string, team: string): void {
    remember(this.senders, conversationId, { user, team });
  }

  /** For `runner.streamSummariesWhen`: DMs, and channel threads with a stream or a known recipient. */
  readonly wanted = (conversationId: string): boolean => {
    const thread = threadOf(conversationId);
    if (!thread) return false;
    return thread.channel.startsWith('D') || this.open.has(conversationId) || this.askers.get(conversationId)?.who !== undefined;
  };

  /** For `runner.onStep`. */
  readonly onStep = (s: TurnStep): void => {
    const id = s.conversationId;
    switch (s.step) {
      case 'reading':
        remember(this.askers, id, { turn: s.turn, who: this.senders.get(id) });
        return;
      case 'ended':
        this.end(id);
        this.askers.delete(id);
        return;
      case 'executing': {
        const stream = this.openFor(s, 'chunks', s.actions.find((a) => a.key.startsWith('approval:'))?.key.slice('approval:'.length));
        if (!stream) return;
        const chunks: types.AnyChunk[] = [];
        for (const a of s.actions) {
          const task = { id: `task-${stream.tasks.size + 1}`, title: taskTitle(a.tool, a.args) };
          stream.tasks.set(a.key, task);
          chunks.push({ type: 'task_update', ...task, status: 'pending' });
        }
        stream.queue.push(chunks);
        return;
      }
      case 'running':
      case 'ran': {
        const stream = this.open.get(id);
        const task = stream?.turn === s.turn ? stream.tasks.get(s.key) : undefined;
        if (!task) return;
        stream!.queue.push([{ type: 'task_update', ...task, status: s.step === 'running' ? 'in_progress' : s.ok ? 'complete' : 'error' }]);
        return;
      }
      case 'writing': {
        const stream = this.open.get(id) ?? this.openFor(s, 'text');
        if (!stream || stream.turn !== s.turn) return;
        stream.queue.push(stream.mode === 'chunks' ? [{ type: 'markdown_text', text: s.text }] : s.text);
        return;
      }
    }
  };

  /** Opens the turn's stream, or returns null when this turn is not to be streamed. */
  private openFor(s: TurnStep, mode: OpenStream['mode'], approvalId?: string): OpenStream | null {
    const id = s.conversationId;
    const existing = this.open.get(id);
    if (existing) return existing.turn === s.turn ? existing : null;
    const thread = threadOf(id);
    if (!thread || Date.now() < this.holdOffUntil) return null;
    let recipient: Promise<Recipient | null> | null = null;
    if (!thread.channel.startsWith('D')) {
      const asker = this.askers.get(id);
      if (asker?.turn === s.turn && asker.who) recipient = Promise.resolve(asker.who);
      else if (approvalId && this.opts.requesterOf) recipient = this.opts.requesterOf(approvalId).then((user) => (user ? { user, team: thread.team } : null));
      // A channel turn with no one to show it to (a turn resumed after a restart): not streamed.
      else return null;
    }
    try {
      // Taken already: an earlier reply of this turn number has not been written over its stream yet.
      if (!reserveReplyStream(this.opts.db, { conversationId: id, turn: s.turn, channel: thread.channel, at: Date.now() })) return null;
    } catch (err) {
      this.logger.warn({ conversationId: id, err: errorText(err) }, 'could not record a stream; the reply is posted whole');
      return null;
    }
    const queue = pieceQueue();
    const stream: OpenStream = { turn: s.turn, mode, queue, tasks: new Map(), done: Promise.resolve() };
    stream.done = this.run(id, s.turn, thread, recipient, queue).catch((err: unknown) => {
      this.logger.warn({ conversationId: id, err: errorText(err) }, 'streaming the answer failed; the reply is posted whole');
    });
    this.open.set(id, stream);
    return stream;
  }

  private async run(id: string, turn: number, thread: { channel: string; threadTs: string }, recipient: Promise<Recipient | null> | null, queue: ReturnType<typeof pieceQueue>): Promise<void> {
    let ts: string = TS_UNKNOWN;
    try {
      const to = recipient ? await recipient.catch(() => null) : null;
      if (recipient && !to) {
        // In a channel with no recipient Slack refuses the stream: the reply is posted as usual.
        for await (const piece of queue.pieces()) void piece;
        return;
      }
      const outcome = await streamReply(
        this.client,
        { channel: thread.channel, threadTs: thread.threadTs, ...(to ? { recipientUserId: to.user, recipientTeamId: to.team } : {}) },
        queue.pieces(),
        {
          fallback: false,
          onStarted: (started) => {
            ts = started;
            recordReplyStreamTs(this.opts.db, id, turn, started);
          },
        },
      );
      if (outcome.kind === 'streamed') remember(this.stopped, `${thread.channel}/${outcome.ts}`, true);
      else {
        this.logger.info({ conversationId: id, cause: outcome.cause }, 'streaming the answer failed; the reply is written over it or posted whole');
        if (outcome.retryAfter) this.holdOffUntil = Date.now() + outcome.retryAfter * 1000;
      }
    } finally {
      // Nothing was shown: the record would only make the deliverer look for a message that is not there.
      if (ts === TS_UNKNOWN) dropReplyStream(this.opts.db, id, turn, TS_UNKNOWN);
    }
  }

  private end(conversationId: string): void {
    const stream = this.open.get(conversationId);
    if (!stream) return;
    this.open.delete(conversationId);
    stream.queue.end();
    const before = this.closing.get(conversationId);
    const closing = before ? Promise.all([before, stream.done]).then(() => undefined) : stream.done;
    this.closing.set(conversationId, closing);
    void closing.then(() => {
      if (this.closing.get(conversationId) === closing) this.closing.delete(conversationId);
    });
  }

  /** Resolves once the streams of the conversation's ended turns are over (Slack answered their last call). */
  settled(conversationId: string): Promise<void> {
    return this.closing.get(conversationId) ?? Promise.resolve();
  }

  /** Whether this process stopped that streamed message itself (else the deliverer stops it first). */
  stoppedHere(channel: string, ts: string): boolean {
    return this.stopped.has(`${channel}/${ts}`);
  }

  /** Resolves once every stream is over (for an orderly stop). */
  async idle(): Promise<void> {
    for (const id of [...this.open.keys()]) this.end(id);
    await Promise.allSettled([...this.closing.values()]);
  }
}
