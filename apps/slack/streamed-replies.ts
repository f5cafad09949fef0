import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { TurnStep } from '../../machines/deps';
import { threadOf } from './conversation-key';
import { errorText } from './identity';
import { streamReply } from './stream-reply';

/** Pieces pushed by one side, read as an async iterable by the other, until ended. */
function pieceQueue() {
  const queued: string[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  return {
    push(piece: string) {
      queued.push(piece);
      poke();
    },
    end() {
      ended = true;
      poke();
    },
    async *pieces(): AsyncGenerator<string> {
      for (;;) {
        // What arrived while the last piece was being sent goes as one: one appendStream, not one per token.
        if (queued.length) yield queued.splice(0).join('');
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

/**
 * Replies shown as an LLM writes them: the runner's `writing` steps (a provider that streams its summary)
 * open a stream in the thread (chat.startStream, then appendStream per piece) that is stopped when the
 * turn ends. The stream is a preview: the turn's reply still comes from the outbox, and the deliverer
 * writes it over the streamed message (chat.update: the exact final text, the feedback buttons, its
 * outbox key) instead of posting it. A stream Slack refuses or ends early leaves the deliverer to write
 * over what was shown, or to post the reply when nothing was. DMs only: in a channel only the requester
 * would see it arrive, everyone else the first piece and then the whole.
 */
export class StreamedReplies {
  private readonly open = new Map<string, ReturnType<typeof pieceQueue>>();
  /** Conversation → the streamed message of its last turn, once its stream is over (undefined: none). */
  private readonly done = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
  ) {}

  /** For `runner.streamSummariesWhen`: the conversations streamed into (DMs). */
  readonly wanted = (conversationId: string): boolean => threadOf(conversationId)?.channel.startsWith('D') ?? false;

  /** For `runner.onStep`. */
  readonly onStep = (s: TurnStep): void => {
    if (s.step === 'ended') {
      this.open.get(s.conversationId)?.end();
      this.open.delete(s.conversationId);
      return;
    }
    if (s.step !== 'writing') return;
    let queue = this.open.get(s.conversationId);
    if (!queue) {
      const thread = threadOf(s.conversationId);
      if (!thread || !this.wanted(s.conversationId)) return;
      const fresh = pieceQueue();
      queue = fresh;
      this.open.set(s.conversationId, fresh);
      const streamed = streamReply(this.client, { channel: thread.channel, threadTs: thread.threadTs }, fresh.pieces(), { fallback: false }).then(
        (outcome) => {
          if (outcome.kind === 'fell_back') this.logger.info({ conversationId: s.conversationId, cause: outcome.cause }, 'streaming the answer failed; the reply is posted whole');
          return outcome.ts;
        },
        (err: unknown) => {
          this.logger.warn({ conversationId: s.conversationId, err: errorText(err) }, 'streaming the answer failed; the reply is posted whole');
          return undefined;
        },
      );
      this.done.set(s.conversationId, streamed);
    }
    queue.push(s.text);
  };

  /** The message the conversation's last answer was streamed into, once the stream is over; undefined if none. */
  streamedTs(conversationId: string): Promise<string | undefined> {
    return this.done.get(conversationId) ?? Promise.resolve(undefined);
  }

  /** The reply was written over it: the next turn streams into a message of its own. */
  forget(conversationId: string): void {
    this.done.delete(conversationId);
  }

  /** Resolves once every stream is over (for an orderly stop). */
  async idle(): Promise<void> {
    for (const q of this.open.values()) q.end();
    this.open.clear();
    await Promise.allSettled([...this.done.values()]);
  }
}
