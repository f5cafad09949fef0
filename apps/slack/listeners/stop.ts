import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ConversationRunner } from '../../../machines/runner';
import { conversationKey } from '../conversation-key';
import type { SlackIdentity } from '../identity';
import type { ThreadStatus } from '../thread-status';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 255 ? v : undefined);

/**
 * Slack's own Stop button (`agent_session_stopped`, shown while a thread's session is `processing`): the
 * turn running in that thread stops — nothing that has not started runs, and its reply reports what did.
 * That turn may run in another process sharing the database: the Stop reaches it through its lease row.
 * Only the person whose request it is can stop it; anyone else is told so, privately. With nothing running
 * anywhere (a restart in between), the session is moved off `processing` so the button goes away.
 */
export function registerStop(app: App, deps: { runner: ConversationRunner; identity: SlackIdentity; status: ThreadStatus; logger: Logger }): void {
  app.event('agent_session_stopped', async ({ event, body, client }) => {
    const team = str((body as { team_id?: unknown }).team_id);
    const channel = str(event.channel);
    const threadTs = str(event.thread_ts);
    const user = str(event.user);
    if (!team || !channel || !threadTs || !user) return;
    const conversationId = conversationKey({ team, channel, threadTs });
    const outcome = deps.runner.stopTurn(conversationId, await deps.identity.actorFor(user));
    deps.logger.info({ conversationId, outcome }, 'Stop pressed');
    if (outcome === 'stopped') return;
    // Someone else's turn may be running in another process: its session stays `processing` (its Stop with it).
    if (outcome === 'not_running') deps.status.release(conversationId);
    if (outcome === 'not_yours') {
      await client.chat.postEphemeral({ channel, user, thread_ts: threadTs, text: 'Only the person who asked can stop this request.' }).catch((err: unknown) => deps.logger.debug({ err }, 'could not tell the person'));
    }
  });
}
