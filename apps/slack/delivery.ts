import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Db } from '../../db/client';
import { approvalVotesFor, getApproval, type ApprovalRow } from '../../db/approvals';
import { getExecution } from '../../db/executions';
import { recentMessages } from '../../db/messages';
import { enqueueOutbox, type OutboxRow } from '../../db/outbox';
import { dropReplyStream, replyStreamOf, TS_UNKNOWN, type ReplyStream } from '../../db/reply-streams';
import { cardsFor, markCard, recordCard } from '../../db/slack-cards';
import { approvalDecision, approverFields, routeNow, type UsergroupMembers } from '../../machines/approvers';
import { NOTICE_AUDIENCE } from '../../policies/budget-notice';
import type { Route } from '../../policies/routing';
import { valueOr, type Backends } from '../../tools/backends/types';
import { approvalCard } from './blocks/approval-card';
import { replyWithFeedback } from './blocks/feedback';
import { threadOf, type SlackThread } from './conversation-key';
import { errorText, platformError, type SlackIdentity } from './identity';
import { clip, escapeMrkdwn } from './mrkdwn';

export interface DeliveryDeps {
  client: webApi.WebClient;
  db: Db;
  directory: Backends['directory'];
  identity: SlackIdentity;
  approvalsChannel?: string;
  logger: Logger;
  now: () => number;
  /** How soon an approvals channel that refused a card is tried again (default 60 s, then the outbox's backoff). */
  channelRetryMs?: number;
  /** Slack user group members as directory ids, for policy `approvers: { slack_usergroup }`. */
  usergroups?: UsergroupMembers;
  /** The thread's status line and session (ThreadStatus): their calls are answered before a post (waited for up to 2 s). */
  status?: { settled(conversationId: string): Promise<void> };
  /**
   * Turns shown as they ran (StreamedReplies): their streams are stopped before a post, and the reply is
   * written over the streamed message (found in db/reply-streams.ts, whichever process streamed it).
   */
  streams?: { settled(conversationId: string): Promise<void>; stoppedHere(channel: string, ts: string): boolean };
  /** Draws a Home tab again (outbox `home_refresh`); without it such rows are dropped. */
  refreshHome?: (user: string) => Promise<void>;
}

/** How delivering one outbox row went. `retry` keeps the row; `blocked` also holds back the thread's later rows. */
export type Delivered = { kind: 'sent' } | { kind: 'retry'; error: string; blocked: boolean; afterMs?: number };

const MAX_TEXT = 39_000;
/** Outbox keys of turn replies (machines/runner.ts): the messages that carry feedback buttons. */
export const REPLY_PREFIX = 'reply:';
/** Notices for the admins are posted within a day of being written, like any outbox row (which is given up after 24 h). */
const NOTICE_HORIZON_MS = 86_400_000;
/** Marks each post with its outbox key, so a retry can see that an earlier attempt did reach Slack. */
export const METADATA_TYPE = 'sentinel_outbox';
/** How long a thread post waits for this process's status calls there (best-effort, and Slack may be slow). */
const QUIET_WAIT_MS = 2_000;
/** Errors meaning the approvals channel will not take the card until someone fixes it (invites the bot…). */
const CHANNEL_REFUSALS = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'ekm_access_denied']);

/**
 * Shows outbox rows in Slack: a reply in the conversation's thread, the cards of a new approval request
 * (approvers' channel, admins' DMs, or the requester's thread for confirmations), every card of a
 * decided request updated in place. Each post carries its outbox key as message metadata; a retried
 * row looks for it first, so a post Slack accepted before a crash is not posted twice.
 */
export function slackDelivery(deps: DeliveryDeps) {
  const { client, db, logger } = deps;

  /** `<@U…>` when Slack knows the person as a full member, else their escaped name or id. */
  async function mention(directoryId: string | null | undefined): Promise<string> {
    if (!directoryId) return 'someone';
    const user = valueOr(await deps.directory.find(directoryId), null);
    if (!user) return escapeMrkdwn(directoryId);
    const slackId = await deps.identity.slackIdOf(user);
    return slackId ? `<@${slackId}>` : escapeMrkdwn(user.name);
  }

  /** What became of an approved action, for the card: the approver learns it too. */
  function outcome(a: ApprovalRow): { done: boolean; text: string } | undefined {
    if (a.status !== 'approved') return undefined;
    const run = getExecution(db, `approval:${a.id}`);
    if (!run?.output || run.status === 'planned' || run.status === 'started') return undefined;
    const out = JSON.parse(run.output) as { error?: string; not_run?: boolean };
    if (run.status === 'succeeded') return { done: true, text: 'Done.' };
    return { done: false, text: out.error ?? 'It failed.' };
  }

  async function card(a: ApprovalRow) {
    const request = recentMessages(db, a.conversationId, 6).filter((m) => m.role === 'user' && m.author === a.requester).pop();
    return approvalCard({
      approval: a,
      requester: await mention(a.requester),
      request: request ? clip(request.content, 500) : null,
      decider: a.decidedBy ? await mention(a.decidedBy) : undefined,
      outcome: outcome(a),
      votes: a.quorum > 1 ? await Promise.all(approvalVotesFor(db, a.id).map((v) => mention(v))) : undefined,
      approvers: approverFields(a).approvers,
    });
  }

  /**
   * Where a request's cards go and who may answer, as policy routes it now (policies/routing.ts): the
   * rule's channel, else SENTINEL_APPROVALS_CHANNEL, else a DM to each approver. The transport only delivers.
   */
  function routeOf(a: ApprovalRow): Promise<Route> {
    return routeNow(deps.directory, approvalDecision(a), a.requester, { approvalsChannel: deps.approvalsChannel, usergroups: deps.usergroups });
  }

  /** The ts of the message with this outbox key already in the channel (or thread), or null. */
  async function alreadyPosted(channel: string, key: string, threadTs: string | undefined, since: number): Promise<string | null> {
    const page = threadTs
      ? await client.conversations.replies({ channel, ts: threadTs, include_all_metadata: true, limit: 200 })
      : await client.conversations.history({ channel, include_all_metadata: true, limit: 200, oldest: String(Math.floor(since / 1000) - 60) });
    const found = (page.messages ?? []).find((m) => {
      const meta = (m as { metadata?: { event_type?: string; event_payload?: { key?: unknown } } }).metadata;
      return meta?.event_type === METADATA_TYPE && meta.event_payload?.key === key;
    });
    return found?.ts ?? null;
  }

  /**
   * Posts once per key: a retry first checks whether the earlier attempt reached Slack, and then answers
   * with that message (a card posted just before a crash is still recorded, so it can be updated).
   */
  async function post(row: OutboxRow, key: string, channel: string, threadTs: string | undefined, message: { text: string; blocks?: unknown[] }): Promise<{ channel: string; ts: string } | null> {
    const earlier = row.attempts > 1 ? await alreadyPosted(channel, key, threadTs, row.createdAt) : null;
    if (earlier) return { channel, ts: earlier };
    const r = await client.chat.postMessage({
      channel,
      thread_ts: threadTs,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks as never } : {}),
      metadata: { event_type: METADATA_TYPE, event_payload: { key } },
      unfurl_links: false,
      unfurl_media: false,
    });
    return r.ts && r.channel ? { channel: r.channel, ts: r.ts } : null;
  }

  async function postCard(row: OutboxRow, a: ApprovalRow, channel: string, threadTs?: string): Promise<void> {
    if (cardsFor(db, a.id).some((c) => c.channel === channel)) return;
    const posted = await post(row, `${row.key}:${channel}`, channel, threadTs, await card(a));
    if (posted) recordCard(db, { approvalId: a.id, channel: posted.channel, ts: posted.ts, postedAt: deps.now() });
  }

  /** The DM of every approver Slack knows as a full member, never the requester's: where cards go without a channel. */
  async function approverDms(route: Route, requester: string): Promise<Array<{ slackId: string; channel: string }>> {
    const dms: Array<{ slackId: string; channel: string }> = [];
    for (const id of route.approvers) {
      const approver = id === requester ? null : valueOr(await deps.directory.find(id), null);
      const slackId = approver?.active ? await deps.identity.slackIdOf(approver) : null;
      if (!slackId) continue;
      const dm = await client.conversations.open({ users: slackId });
      if (dm.channel?.id) dms.push({ slackId, channel: dm.channel.id });
    }
    return dms;
  }

  /** DMs the card to every approver (never the requester); returns how many were reached. */
  async function cardsToApprovers(row: OutboxRow, a: ApprovalRow, route: Route): Promise<number> {
    const dms = await approverDms(route, a.requester);
    for (const dm of dms) await postCard(row, a, dm.channel);
    return dms.length;
  }

  async function note(row: OutboxRow, thread: SlackThread, suffix: string, text: string): Promise<void> {
    await post(row, `${row.key}:${suffix}`, thread.channel, thread.threadTs, { text });
  }

  async function deliverCards(row: OutboxRow, thread: SlackThread, body: { approval: string; channelOnly?: boolean }): Promise<Delivered> {
    const a = getApproval(db, body.approval);
    if (!a) return { kind: 'sent' };
    if (body.channelOnly && a.status !== 'pending') return { kind: 'sent' }; // decided meanwhile: a late card is noise
    if (a.required === 'requester') {
      await postCard(row, a, thread.channel, thread.threadTs);
      return { kind: 'sent' };
    }
    const route = await routeOf(a);
    if (route.delivery.kind === 'channel') {
      const channel = route.delivery.channel;
      try {
        await postCard(row, a, channel);
        return { kind: 'sent' };
      } catch (err) {
        const code = platformError(err);
        if (!code || !CHANNEL_REFUSALS.has(code)) throw err;
        if (body.channelOnly) return { kind: 'retry', error: code, blocked: false };
        logger.error({ approval: a.id, channel, error: code }, 'the approvals channel refused the card; sending it to the approvers by DM and retrying the channel');
        const reached = await cardsToApprovers(row, a, route);
        const whom = a.approvers ? 'the approvers' : 'the IT admins';
        await note(
          row,
          thread,
          'fallback',
          reached
            ? `I couldn't post your request in <#${channel}> (${code}), so I sent it to ${whom} directly.`
            : `I couldn't post your request in <#${channel}> (${code}) and could not reach ${a.approvers ? 'an approver' : 'an IT admin'} in Slack. Please tell the IT team about request ${escapeMrkdwn(a.id)}.`,
        );
        // The channel is retried on its own, with backoff, without holding back the thread.
        enqueueOutbox(db, [{ kind: 'approval_cards', key: `${row.key}:channel`, conversationId: row.conversationId, body: { approval: a.id, channelOnly: true } }], Date.now() + (deps.channelRetryMs ?? 60_000));
        return { kind: 'sent' };
      }
    }
    if (!(await cardsToApprovers(row, a, route))) {
      logger.error({ approval: a.id }, 'no approver could be reached in Slack; set SENTINEL_APPROVALS_CHANNEL');
      await note(row, thread, 'unreached', `I could not reach an approver in Slack. Please tell the IT team about request ${escapeMrkdwn(a.id)}.`);
    }
    return { kind: 'sent' };
  }

  async function deliverUpdate(body: { approval: string }): Promise<Delivered> {
    const a = getApproval(db, body.approval);
    if (!a) return { kind: 'sent' };
    // A waiting request's cards are redrawn on each approval ("1 of 2 approved by …"); a decided one's once.
    const cards = cardsFor(db, a.id).filter((c) => a.status === 'pending' || c.shows !== a.status);
    if (!cards.length) return { kind: 'sent' };
    const view = await card(a);
    for (const c of cards) {
      try {
        await client.chat.update({ channel: c.channel, ts: c.ts, ...view });
      } catch (err) {
        // A card someone deleted cannot show the outcome; the others still can.
        if (platformError(err) !== 'message_not_found') throw err;
      }
      if (a.status !== 'pending') markCard(db, c, a.status);
    }
    return { kind: 'sent' };
  }

  /** "Waiting for …" for the requester: where the cards of their pending requests went. */
  async function waitingNotes(ids: string[]): Promise<string[]> {
    const notes: string[] = [];
    for (const id of ids) {
      const a = getApproval(db, id);
      if (!a || a.status !== 'pending' || a.required === 'requester') continue;
      const channels = new Set(cardsFor(db, id).map((c) => c.channel));
      const route = await routeOf(a);
      if (route.delivery.kind === 'channel' && channels.has(route.delivery.channel)) {
        notes.push(`Waiting for an approver in <#${route.delivery.channel}>.`);
        continue;
      }
      const reached = (await approverDms(route, a.requester)).filter((dm) => channels.has(dm.channel)).map((dm) => `<@${dm.slackId}>`);
      if (reached.length) notes.push(`Waiting for approval from ${reached.join(', ')}.`);
    }
    return notes;
  }

  let botUser: Promise<string | undefined> | undefined;
  /** The bot's own user id (auth.test, asked once): which messages in a thread are ours. */
  const botUserId = () =>
    (botUser ??= client.auth.test().then(
      (r) => r.user_id,
      (err: unknown) => {
        botUser = undefined;
        throw err;
      },
    ));

  /**
   * A stream whose starter died before Slack named its message: the bot's latest message in the thread
   * from about when it was asked for that carries no outbox key (every other post of ours does), if any.
   */
  async function unnamedStream(thread: SlackThread, stream: ReplyStream): Promise<string | undefined> {
    const me = await botUserId();
    const page = await client.conversations.replies({ channel: thread.channel, ts: thread.threadTs, include_all_metadata: true, limit: 200 });
    const since = stream.at / 1000 - 60; // Slack's clock and ours may differ a little
    const ours = (page.messages ?? []).filter((m) => {
      const meta = (m as { metadata?: { event_type?: string } }).metadata;
      return m.user === me && m.ts !== thread.threadTs && Number(m.ts) >= since && meta?.event_type !== METADATA_TYPE;
    });
    return ours.at(-1)?.ts;
  }

  /**
   * Writes the turn's reply over the message streamed while it ran (exact text, buttons, outbox key), in
   * whichever process streamed it, before or after a restart. Returns false when there is none to write over.
   */
  async function overStream(row: OutboxRow, thread: SlackThread, turn: number, message: { text: string; blocks?: unknown[] }): Promise<boolean> {
    const stream = replyStreamOf(db, row.conversationId, turn, row.createdAt);
    if (!stream) return false;
    const ts = stream.ts === TS_UNKNOWN ? await unnamedStream(thread, stream) : stream.ts;
    if (!ts) {
      dropReplyStream(db, row.conversationId, turn, stream.ts);
      return false;
    }
    if (!deps.streams?.stoppedHere(thread.channel, ts)) {
      // Left open by a process that died, or failed midway: ended first. Already ended is what we want.
      await client.chat.stopStream({ channel: thread.channel, ts }).catch((err: unknown) => {
        if (platformError(err) !== 'message_not_in_streaming_state') logger.debug({ key: row.key, err: errorText(err) }, 'could not stop a streamed message; writing over it anyway');
      });
    }
    try {
      await client.chat.update({ channel: thread.channel, ts, ...message, metadata: { event_type: METADATA_TYPE, event_payload: { key: row.key } } } as never);
    } catch (err) {
      // Deleted meanwhile: the reply is posted instead. Anything else is retried (the streamed message stays the place).
      if (platformError(err) !== 'message_not_found') throw err;
      dropReplyStream(db, row.conversationId, turn, stream.ts);
      return false;
    }
    dropReplyStream(db, row.conversationId, turn, stream.ts);
    return true;
  }

  async function deliverReply(row: OutboxRow, thread: SlackThread, body: { text: string; approvals: string[]; turn?: number }): Promise<Delivered> {
    const text = clip([escapeMrkdwn(body.text), ...(await waitingNotes(body.approvals))].join('\n\n'), MAX_TEXT);
    const isReply = row.key.startsWith(REPLY_PREFIX);
    // A turn's answer (not a notice) ends with 👍/👎.
    const message = isReply ? { text, blocks: replyWithFeedback(text) } : { text };
    // Shown while the turn ran (tasks, the summary as written): that message is made the reply.
    if (isReply && body.turn !== undefined && (await overStream(row, thread, body.turn, message))) return { kind: 'sent' };
    await post(row, row.key, thread.channel, thread.threadTs, message);
    return { kind: 'sent' };
  }

  /**
   * Before a card or an answer goes into a thread: this process's stream there is stopped (each of its calls
   * has its own deadline) and its status line and session are undone (waited for up to 2 s), so the card never
   * arrives while the person's compose box is held, nor the answer before the stream it overwrites has ended.
   * Only this conversation's lane waits.
   */
  async function quiet(conversationId: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const status = deps.status ? Promise.race([deps.status.settled(conversationId), new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIET_WAIT_MS)))]) : undefined;
    await Promise.all([deps.streams?.settled(conversationId), status]);
    clearTimeout(timer);
  }

  /**
   * A notice for the IT admins (a budget reached): in SENTINEL_APPROVALS_CHANNEL when set, else by DM to
   * each admin Slack knows as a full member, never to the requester who reached it. One post per place,
   * each marked with its own key. A notice older than the outbox's give-up horizon is news no longer.
   */
  async function deliverNotice(row: OutboxRow, body: { text: string; requester: string }): Promise<Delivered> {
    if (Date.now() - row.createdAt > NOTICE_HORIZON_MS) {
      logger.warn({ key: row.key }, 'a notice for the admins is over a day old; not posted (it is in the audit log)');
      return { kind: 'sent' };
    }
    const route = await routeNow(deps.directory, NOTICE_AUDIENCE, body.requester, { approvalsChannel: deps.approvalsChannel });
    const message = { text: clip(escapeMrkdwn(body.text), MAX_TEXT) };
    if (route.delivery.kind === 'channel') {
      await post(row, row.key, route.delivery.channel, undefined, message);
      return { kind: 'sent' };
    }
    const dms = await approverDms(route, body.requester);
    for (const dm of dms) await post(row, `${row.key}:${dm.slackId}`, dm.channel, undefined, message);
    if (!dms.length) logger.error({ key: row.key }, 'no IT admin could be reached in Slack for a notice; set SENTINEL_APPROVALS_CHANNEL');
    return { kind: 'sent' };
  }

  return {
    async deliver(row: OutboxRow): Promise<Delivered> {
      const body = JSON.parse(row.body) as never;
      const thread = threadOf(row.conversationId);
      if (!thread && row.kind !== 'admin_notice' && row.kind !== 'home_refresh') return { kind: 'sent' };
      try {
        if (row.kind === 'admin_notice') return await deliverNotice(row, body);
        if (row.kind === 'home_refresh') {
          await deps.refreshHome?.((body as { user: string }).user);
          return { kind: 'sent' };
        }
        if (!thread) return { kind: 'sent' };
        // The stream stopped, the status cleared, the session off `processing` first: then the card or answer.
        if (row.kind === 'reply' || row.kind === 'approval_cards') await quiet(row.conversationId);
        if (row.kind === 'reply') return await deliverReply(row, thread, body);
        if (row.kind === 'approval_cards') return await deliverCards(row, thread, body);
        return await deliverUpdate(body);
      } catch (err) {
        const code = platformError(err);
        const retryAfter = (err as { retryAfter?: number }).retryAfter;
        logger.warn({ key: row.key, attempt: row.attempts, err: errorText(err) }, 'Slack did not take an outbox item; it will be retried');
        // Slack is unreachable, rate limiting, or failing: hold the thread's later items back so they stay in order.
        return { kind: 'retry', error: code ?? errorText(err), blocked: true, afterMs: typeof retryAfter === 'number' ? retryAfter * 1000 : undefined };
      }
    },
  };
}
