import type { App, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Db } from '../../../db/client';
import { claimSlackMessage } from '../../../db/slack-events';
import type { ConversationRunner } from '../../../machines/runner';
import { conversationKey } from '../conversation-key';
import type { SlackIdentity } from '../identity';
import { clip, escapeMrkdwn, withoutMention } from '../mrkdwn';
import { inThread, talkedInThread } from '../thread-participants';
import type { StreamedReplies } from '../streamed-replies';
import type { ThreadStatus } from '../thread-status';
import { withUserMentionsResolved } from '../user-mentions';

export interface MessageDeps {
  db: Db;
  runner: ConversationRunner;
  identity: SlackIdentity;
  logger: Logger;
  now: () => number;
  /** How long a request may run before the ⏳ reaction shows it is being worked on. */
  workingReactionAfterMs: number;
  /** The thread's status line and agent session (named after the request). */
  status?: ThreadStatus;
  /** Turns streamed into the thread: in a channel, to the person whose message it answers. */
  streamed?: Pick<StreamedReplies, 'recipient'>;
}

/** Typed in a thread while Sentinel works there, these stop the turn (as Slack's Stop button does). */
export const STOP_WORDS = /^(?:stop|cancel)(?:\s+(?:it|that|this|please))?[\s.!]*$/i;

/** The fields of a message event we act on, checked at runtime: payloads can be forged or malformed. */
interface IncomingMessage {
  team: string;
  channel: string;
  ts: string;
  threadTs?: string;
  user: string;
  text: string;
  eventId: string | null;
}

const WORKING = 'hourglass_flowing_sand';
const SORRY = 'Sorry, something went wrong on my side and your request was not handled. Please try again in a minute.';
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 255 ? v : undefined);

function incoming(event: Record<string, unknown>, body: Record<string, unknown>): IncomingMessage | null {
  // Edits, deletions, joins, bot posts and the like carry a subtype: only plain user messages are requests.
  if (event.subtype !== undefined || event.bot_id !== undefined) return null;
  const team = str(body.team_id) ?? str(event.team);
  const channel = str(event.channel);
  const ts = str(event.ts);
  const user = str(event.user);
  if (!team || !channel || !ts || !user || typeof event.text !== 'string') return null;
  return { team, channel, ts, user, text: event.text, threadTs: str(event.thread_ts), eventId: str(body.event_id) ?? null };
}

/**
 * DMs to the bot, @mentions in channels, and follow-ups without a mention in a channel thread by someone
 * Sentinel is already talking with there. Each Slack thread is one conversation; the answer goes in
 * the thread (from the outbox, by the deliverer). A message is taken in once, however often and under whichever
 * event type Slack delivers it.
 */
export function registerMessageListeners(app: App, deps: MessageDeps): void {
  const { db, runner, identity, logger } = deps;

  async function take(m: IncomingMessage, botUserId: string | undefined, client: webApi.WebClient): Promise<void> {
    if (m.user === botUserId) return;
    const conversationId = conversationKey({ team: m.team, channel: m.channel, threadTs: m.threadTs ?? m.ts });
    const reply = (text: string) => client.chat.postMessage({ channel: m.channel, thread_ts: m.threadTs ?? m.ts, text: clip(escapeMrkdwn(text), 39_000) });
    const apologize = (err: unknown) => {
      logger.error({ err, conversationId }, 'message could not be handled');
      return reply(SORRY).catch(() => undefined);
    };
    let fresh: boolean;
    try {
      fresh = claimSlackMessage(db, `${m.team}:${m.channel}:${m.ts}`, m.eventId, deps.now());
    } catch (err) {
      // The database is locked or full: nothing was taken in, so say so rather than stay silent.
      return void (await apologize(err));
    }
    if (!fresh) {
      logger.debug({ channel: m.channel, ts: m.ts, eventId: m.eventId }, 'duplicate delivery of a message; ignored');
      return;
    }
    let text: string;
    try {
      // People named with Slack's @-mentions reach the planner as their directory emails.
      text = await withUserMentionsResolved(withoutMention(m.text, botUserId), (id) => identity.actorFor(id));
    } catch (err) {
      return void (await apologize(err));
    }
    // "stop" / "cancel" while the thread's turn runs (in this process or another) stops it; that turn's reply
    // says what did and did not run. With nothing running it is an ordinary message (the planner withdraws
    // waiting requests).
    if (STOP_WORDS.test(text.trim())) {
      try {
        const outcome = runner.stopTurn(conversationId, await identity.actorFor(m.user));
        if (outcome === 'stopped') return;
      } catch (err) {
        return void (await apologize(err));
      }
    }
    deps.status?.titled(conversationId, text, m.user);
    deps.streamed?.recipient(conversationId, m.user, m.team);
    // Feedback while the LLM works, removed once the answer is posted. An answer that comes sooner is
    // its own feedback: no reaction flickers on and off, and two Web API calls are saved.
    const react = (method: 'add' | 'remove') =>
      client.reactions[method]({ channel: m.channel, timestamp: m.ts, name: WORKING }).catch((err: unknown) => logger.debug({ err }, `reactions.${method} failed`));
    let reacted: Promise<unknown> | null = null;
    const showWorking = () => (reacted = react('add'));
    const timer = deps.workingReactionAfterMs > 0 ? setTimeout(showWorking, deps.workingReactionAfterMs) : (showWorking(), undefined);
    try {
      const actor = await identity.actorFor(m.user);
      const result = await runner.handleMessage(conversationId, actor, text);
      // Turns the machine ran are shown from the outbox; a refusal never reached it, so post it here.
      // A turn another process took over is reported by that process: anything said here could be false.
      if (result.refused && !result.takenOver) await reply(result.reply);
    } catch (err) {
      await apologize(err);
    } finally {
      clearTimeout(timer);
      if (reacted) {
        await reacted;
        await react('remove');
      }
    }
  }

  app.event('app_mention', async ({ event, body, context, client }) => {
    const m = incoming(event as unknown as Record<string, unknown>, body as unknown as Record<string, unknown>);
    if (m) await take(m, context.botUserId, client);
  });

  /**
   * A channel-thread reply without a mention is a request only from someone already talking with Sentinel
   * in that thread. Cheap checks first: most channel traffic is top-level, or in threads Sentinel is not
   * in, and costs no look-up at all.
   */
  async function followUp(m: IncomingMessage): Promise<boolean> {
    if (!m.threadTs || m.threadTs === m.ts) return false;
    const conversationId = conversationKey({ team: m.team, channel: m.channel, threadTs: m.threadTs });
    if (!inThread(db, conversationId)) return false;
    const actor = await identity.actorFor(m.user);
    return talkedInThread(db, conversationId, actor.id);
  }

  app.event('message', async ({ event, body, context, client }) => {
    const e = event as unknown as Record<string, unknown>;
    const m = incoming(e, body as unknown as Record<string, unknown>);
    if (!m || m.user === context.botUserId) return;
    // In channels, mentions are requests, and so are follow-ups in a thread by someone Sentinel is talking
    // with there (workspaces subscribed to message.channels / message.groups). A mention also arrives as
    // app_mention, and whichever comes first is taken (the claim in take() makes the other a no-op).
    const isDm = e.channel_type === 'im';
    const mentioned = !!context.botUserId && m.text.includes(`<@${context.botUserId}>`);
    try {
      if (!isDm && !mentioned && !(await followUp(m))) return;
    } catch (err) {
      logger.warn({ err, channel: m.channel }, 'could not tell whether a thread reply was meant for Sentinel; ignored');
      return;
    }
    await take(m, context.botUserId, client);
  });
}
