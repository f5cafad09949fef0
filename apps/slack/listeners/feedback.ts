import type { App, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Db } from '../../../db/client';
import { recordFeedback, replyContext } from '../../../db/feedback';
import { FEEDBACK_ACTION, FEEDBACK_DOWN, FEEDBACK_UP } from '../blocks/feedback';
import { threadOf } from '../conversation-key';
import { METADATA_TYPE, REPLY_PREFIX } from '../delivery';
import type { SlackIdentity } from '../identity';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 255 ? v : undefined);

interface Installed {
  team: string;
  botUserId: string;
  botId?: string;
}

/**
 * 👍/👎 on a reply (the feedback buttons under each turn's answer): stored, one vote per person per
 * message (a second click replaces the first), and audited. A click counts only when Slack itself shows
 * the message is one of Sentinel's replies, carrying its outbox key, in the thread that key names, and the
 * clicker belongs to the workspace Sentinel is installed in; anything else (a forged payload, a click from
 * another team's user in a shared channel) is ignored.
 */
export function registerFeedback(app: App, deps: { db: Db; identity: SlackIdentity; logger: Logger; now: () => number }): void {
  let installed: Promise<Installed> | undefined;
  const whoWeAre = (client: webApi.WebClient) =>
    (installed ??= client.auth.test().then(
      (r) => ({ team: String(r.team_id ?? ''), botUserId: String(r.user_id ?? ''), botId: r.bot_id ? String(r.bot_id) : undefined }),
      (err: unknown) => {
        installed = undefined;
        throw err;
      },
    ));

  app.action({ type: 'block_actions', action_id: FEEDBACK_ACTION }, async ({ ack, body, action, client }) => {
    await ack();
    const b = body as {
      user?: { id?: unknown; team_id?: unknown };
      team?: { id?: unknown } | null;
      channel?: { id?: unknown };
      container?: { channel_id?: unknown; message_ts?: unknown };
      message?: { ts?: unknown; thread_ts?: unknown };
    };
    const clicker = str(b.user?.id);
    const channel = str(b.channel?.id) ?? str(b.container?.channel_id);
    const messageTs = str(b.container?.message_ts) ?? str(b.message?.ts);
    const threadTs = str(b.message?.thread_ts);
    const value = 'value' in action ? action.value : undefined;
    const vote = value === FEEDBACK_UP ? 'up' : value === FEEDBACK_DOWN ? 'down' : undefined;
    const ignore = (why: string) => deps.logger.warn({ clicker, channel, messageTs, why }, 'feedback click ignored');
    if (!clicker || !channel || !messageTs || !threadTs || !vote) return ignore('incomplete');

    const us = await whoWeAre(client);
    // A person from another workspace (a shared channel) is not asked for feedback on our answers.
    if (str(b.user?.team_id) !== us.team || (b.team && str(b.team.id) !== us.team)) return ignore('another team');

    // What Slack holds at that ts, not what the payload says: one of our replies, with its outbox key.
    const page = await client.conversations.replies({ channel, ts: threadTs, include_all_metadata: true, limit: 1000 });
    const m = (page.messages ?? []).find((x) => x.ts === messageTs) as { user?: string; bot_id?: string; metadata?: { event_type?: string; event_payload?: { key?: unknown } } } | undefined;
    const key = m?.metadata?.event_type === METADATA_TYPE ? str(m.metadata.event_payload?.key) : undefined;
    const ours = m && (m.user === us.botUserId || (us.botId !== undefined && m.bot_id === us.botId));
    if (!ours || !key?.startsWith(REPLY_PREFIX)) return ignore('not one of our replies');
    const ctx = replyContext(deps.db, key);
    const thread = ctx && threadOf(ctx.conversationId);
    if (!thread || thread.team !== us.team || thread.channel !== channel || thread.threadTs !== threadTs) return ignore('the reply is not of this thread');

    const voter = (await deps.identity.actorFor(clicker)).id;
    const stored = recordFeedback(deps.db, { channel, messageTs, slackUser: clicker, voter, vote, replyKey: key }, deps.now());
    if (!stored || stored.unchanged) return;
    deps.logger.info({ conversationId: ctx.conversationId, vote, replaced: stored.replaced }, 'feedback');
    const text = vote === 'up' ? 'Thanks for the feedback.' : 'Thanks for telling me. The IT team reviews answers marked 👎.';
    await client.chat.postEphemeral({ channel, user: clicker, thread_ts: threadTs, text }).catch((err: unknown) => deps.logger.debug({ err }, 'could not thank the person'));
  });
}
