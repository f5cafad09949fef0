import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Db } from '../../db/client';
import { getApproval, type ApprovalRow } from '../../db/approvals';
import { recentMessages } from '../../db/messages';
import { cardsFor, markCard, recordCard } from '../../db/slack-cards';
import type { TurnListener, TurnResult } from '../../machines/runner';
import type { Backends } from '../../tools/backends/types';
import { approvalCard } from './blocks/approval-card';
import { threadOf, type SlackThread } from './conversation-key';
import type { SlackIdentity } from './identity';
import { clip, escapeMrkdwn } from './mrkdwn';

export interface PublisherDeps {
  client: webApi.WebClient;
  db: Db;
  directory: Backends['directory'];
  identity: SlackIdentity;
  approvalsChannel?: string;
  logger: Logger;
  now: () => number;
}

const MAX_TEXT = 39_000;

/**
 * Shows each settled turn in Slack: the reply in the conversation's thread, a card for each new
 * approval request (approvers' channel, admins' DMs, or the requester's thread for confirmations), and
 * every card of a decided request updated in place. Turns from the CLI (no Slack thread) are skipped.
 */
export function turnPublisher(deps: PublisherDeps): TurnListener {
  const { client, db, logger } = deps;

  /** `<@U…>` when Slack knows the person, else their escaped name or id. */
  async function mention(directoryId: string | null | undefined): Promise<string> {
    if (!directoryId) return 'someone';
    const user = await deps.directory.find(directoryId);
    if (!user) return escapeMrkdwn(directoryId);
    const slackId = await deps.identity.slackIdOf(user);
    return slackId ? `<@${slackId}>` : escapeMrkdwn(user.name);
  }

  async function card(a: ApprovalRow) {
    const request = recentMessages(db, a.conversationId, 6).filter((m) => m.role === 'user' && m.author === a.requester).pop();
    return approvalCard({
      approval: a,
      requester: await mention(a.requester),
      request: request ? clip(request.content, 500) : null,
      decider: a.decidedBy ? await mention(a.decidedBy) : undefined,
    });
  }

  async function postCard(a: ApprovalRow, channel: string, threadTs?: string): Promise<boolean> {
    const r = await client.chat.postMessage({ channel, thread_ts: threadTs, ...(await card(a)), unfurl_links: false });
    if (!r.ts || !r.channel) return false;
    recordCard(db, { approvalId: a.id, channel: r.channel, ts: r.ts, postedAt: deps.now() });
    return true;
  }

  /** Posts the cards of a new request; returns the line telling the requester whom it waits for. */
  async function postCards(a: ApprovalRow, thread: SlackThread): Promise<string | null> {
    if (cardsFor(db, a.id).length) return null;
    if (a.required === 'requester') {
      await postCard(a, thread.channel, thread.threadTs);
      return null;
    }
    if (deps.approvalsChannel) {
      await postCard(a, deps.approvalsChannel);
      return `Waiting for an approver in <#${deps.approvalsChannel}>.`;
    }
    const reached: string[] = [];
    for (const admin of await deps.directory.admins()) {
      if (admin.id === a.requester) continue;
      const slackId = await deps.identity.slackIdOf(admin);
      if (!slackId) continue;
      try {
        const dm = await client.conversations.open({ users: slackId });
        if (dm.channel?.id && (await postCard(a, dm.channel.id))) reached.push(`<@${slackId}>`);
      } catch (err) {
        logger.warn({ err, approval: a.id, admin: admin.id }, 'could not send the approval card to an admin');
      }
    }
    if (!reached.length) {
      logger.error({ approval: a.id }, 'no approver could be reached in Slack; set SENTINEL_APPROVALS_CHANNEL');
      return `I could not reach an approver in Slack. Please tell the IT team about request ${escapeMrkdwn(a.id)}.`;
    }
    return `Waiting for approval from ${reached.join(', ')}.`;
  }

  async function updateCards(a: ApprovalRow): Promise<void> {
    const stale = cardsFor(db, a.id).filter((c) => c.shows !== a.status);
    if (!stale.length) return;
    const view = await card(a);
    for (const c of stale) {
      await client.chat.update({ channel: c.channel, ts: c.ts, ...view });
      markCard(db, c, a.status);
    }
  }

  return async (result: TurnResult) => {
    const thread = threadOf(result.thread);
    if (!thread) return;
    const notes: string[] = [];
    for (const ref of [...(result.recovered?.approvals ?? []), ...result.approvals]) {
      const a = getApproval(db, ref.id);
      if (!a) continue;
      if (a.status === 'pending') {
        const note = await postCards(a, thread);
        if (note) notes.push(note);
      } else {
        await updateCards(a);
      }
    }
    const parts = [
      result.recovered?.reply ? `(finishing your previous request) ${escapeMrkdwn(result.recovered.reply)}` : '',
      escapeMrkdwn(result.reply),
      ...notes,
    ].filter(Boolean);
    if (!parts.length) return;
    await client.chat.postMessage({ channel: thread.channel, thread_ts: thread.threadTs, text: clip(parts.join('\n\n'), MAX_TEXT), unfurl_links: false, unfurl_media: false });
  };
}
