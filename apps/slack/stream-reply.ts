import type { types, webApi } from '@slack/bolt';
import { errorText } from './identity';

/** A piece of a streamed message: text (markdown_text mode), or chunks (tasks and text, chunks mode). */
export type StreamPiece = string | types.AnyChunk[];

export interface StreamTarget {
  channel: string;
  /** Streamed messages are always replies in a thread. */
  threadTs: string;
  /** Required by Slack when streaming in a channel (only that person sees the text arrive smoothly). */
  recipientUserId?: string;
  recipientTeamId?: string;
}

export type StreamOutcome =
  | { kind: 'streamed'; ts: string }
  /** The stream failed (refused, expired, rate limited): the whole text was posted or written over it instead. */
  | { kind: 'fell_back'; ts: string | undefined; cause: string; retryAfter?: number };

const isEmpty = (piece: StreamPiece) => piece.length === 0;
const textOf = (piece: StreamPiece): string => (typeof piece === 'string' ? piece : piece.map((c) => (c.type === 'markdown_text' ? c.text : '')).join(''));
const chunksOf = (piece: StreamPiece): types.AnyChunk[] => (typeof piece === 'string' ? [{ type: 'markdown_text', text: piece }] : piece);

/**
 * Posts an answer as it is written: `chat.startStream` with the first piece, `chat.appendStream` for the
 * rest, `chat.stopStream` with the blocks that follow it (feedback buttons) and the session's next status.
 * A stream Slack refuses or ends early (`message_not_in_streaming_state` after its expiry, a 429, a
 * channel that does not take streams) falls back to the plain Web API with the whole text: the streamed
 * message is overwritten with it (`chat.update`), or, when none was started or it cannot be, the text is
 * posted in the thread (`chat.postMessage`). Either way the thread ends up with the full answer.
 *
 * The first piece sets the stream's mode for good (Slack refuses a mix: `streaming_mode_mismatch`): text
 * pieces stream as `markdown_text`, chunk pieces as `chunks`; a later piece of the other kind is sent in
 * the stream's mode (text as a markdown_text chunk; of chunks, their text only).
 *
 * Turns use it through StreamedReplies (apps/slack/streamed-replies.ts), with `fallback: false`: the
 * outbox's reply then writes the final answer over the streamed message, or posts it.
 */
export async function streamReply(
  client: webApi.WebClient,
  target: StreamTarget,
  pieces: Iterable<StreamPiece> | AsyncIterable<StreamPiece>,
  opts: {
    blocks?: types.KnownBlock[];
    sessionStatus?: 'active' | 'suspended' | 'closed';
    metadata?: { event_type: string; event_payload: Record<string, string | number | boolean> };
    /** false: a failed stream is left as it is (the caller writes the answer itself; `ts` says where, if anywhere). */
    fallback?: boolean;
    /** Told the streamed message's ts as soon as Slack names it (before anything else is sent). */
    onStarted?: (ts: string) => void;
  } = {},
): Promise<StreamOutcome> {
  const written: string[] = [];
  let ts: string | undefined;
  let failure: unknown = null;
  const recipient = target.recipientUserId && target.recipientTeamId ? { recipient_user_id: target.recipientUserId, recipient_team_id: target.recipientTeamId } : {};
  let mode: 'markdown' | 'chunks' | undefined;
  for await (const piece of pieces) {
    written.push(textOf(piece));
    if (failure || isEmpty(piece)) continue;
    mode ??= typeof piece === 'string' ? 'markdown' : 'chunks';
    // In markdown mode, chunks without text (task updates) have nothing to show.
    if (mode === 'markdown' && !textOf(piece)) continue;
    const body = mode === 'chunks' ? { chunks: chunksOf(piece) } : { markdown_text: textOf(piece) };
    try {
      if (!ts) {
        const started = await client.chat.startStream({ channel: target.channel, thread_ts: target.threadTs, ...body, ...recipient });
        ts = started.ts;
        if (!ts) throw new Error('chat.startStream answered without a ts');
        opts.onStarted?.(ts);
      } else {
        await client.chat.appendStream({ channel: target.channel, ts, ...body });
      }
    } catch (err) {
      // Keep reading: the fallback needs the whole text.
      failure = err;
    }
  }
  const full = written.join('');
  if (!failure && ts) {
    try {
      await client.chat.stopStream({ channel: target.channel, ts, ...(opts.blocks ? { blocks: opts.blocks } : {}), ...(opts.sessionStatus ? { session_status: opts.sessionStatus } : {}), ...(opts.metadata ? { metadata: opts.metadata } : {}) });
      return { kind: 'streamed', ts };
    } catch (err) {
      failure = err;
    }
  }
  const cause = failure ? errorText(failure) : 'nothing to stream';
  const retryAfter = (failure as { retryAfter?: unknown } | null)?.retryAfter;
  if (opts.fallback === false) return { kind: 'fell_back', ts, cause, ...(typeof retryAfter === 'number' ? { retryAfter } : {}) };
  const text = full || ' ';
  if (ts) {
    try {
      await client.chat.update({ channel: target.channel, ts, text, ...(opts.blocks ? { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }, ...opts.blocks] } : {}) });
      return { kind: 'fell_back', ts, cause };
    } catch {
      // The streamed message cannot be written over: post the answer instead.
    }
  }
  const posted = await client.chat.postMessage({ channel: target.channel, thread_ts: target.threadTs, text, ...(opts.blocks ? { blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }, ...opts.blocks] } : {}), ...(opts.metadata ? { metadata: opts.metadata } : {}) });
  return { kind: 'fell_back', ts: posted.ts, cause };
}
