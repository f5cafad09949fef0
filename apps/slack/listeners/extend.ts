import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ConversationRunner } from '../../../machines/runner';
import type { Backends } from '../../../tools/backends/types';
import { conversationKey } from '../conversation-key';
import { EXTEND_ACTION } from '../home-view';
import type { SlackIdentity } from '../identity';
import { clip, escapeMrkdwn } from '../mrkdwn';
import type { ThreadStatus } from '../thread-status';
import type { HomeTab } from './home';

const GRANT_ID = /^\d{1,15}$/;
/** A second click on the same grant's button within this long is the same request, not a new one. */
const REPEAT_WINDOW_MS = 60_000;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 255 ? v : undefined);

/**
 * "Request extension" on a grant in the Home tab's My access. Nothing is decided here: the grant is looked
 * up again among the clicker's grants in force (a stale or forged id asks for nothing), then the request
 * takes exactly the path of typing it to the bot — a new thread in the clicker's DM, "extend my <system>
 * <level> access" run by the runner as that person — so the planner proposes provision_access for the same
 * system and level and policy decides it (an approval card when the policy wants one). The reply, and any
 * card, come from the outbox like every turn's.
 */
export function registerExtend(
  app: App,
  deps: { runner: ConversationRunner; identity: SlackIdentity; access: Backends['access']; home: HomeTab; status?: ThreadStatus; logger: Logger; now: () => number },
): void {
  // A double click (or a second click before the Home tab redraws) asks once: clicker and grant → when asked.
  const asked = new Map<string, number>();
  app.action({ type: 'block_actions', action_id: EXTEND_ACTION }, async ({ ack, body, action, client }) => {
    await ack();
    const b = body as { user?: { id?: unknown }; team?: { id?: unknown } | null; view?: { type?: unknown } };
    const clicker = str(b.user?.id);
    const team = str(b.team?.id);
    const value = 'value' in action ? action.value : undefined;
    if (!clicker || !team || b.view?.type !== 'home') return void deps.logger.warn({ clicker }, 'extension click without a user, team or Home tab; ignored');
    try {
      const actor = await deps.identity.actorFor(clicker);
      const grants = typeof value === 'string' && GRANT_ID.test(value) ? await deps.access.activeGrants(actor.id, deps.now()) : null;
      const grant = grants?.ok ? grants.value.find((g) => String(g.id) === value) : undefined;
      if (!grant) {
        return void (await deps.home.publish(clicker, 'That access is not active any more, so there is nothing to extend. To ask for it again, send me a message.'));
      }
      const once = `${clicker}:${grant.id}`;
      const at = deps.now();
      for (const [k, t] of asked) if (at - t > REPEAT_WINDOW_MS) asked.delete(k);
      if (asked.has(once)) return void (await deps.home.publish(clicker, `I already asked for an extension of your ${grant.system} ${grant.level} access: see our DM.`));
      asked.set(once, at);
      const text = `extend my ${grant.system} ${grant.level} access`;
      const dm = await client.conversations.open({ users: clicker });
      const channel = dm.channel?.id;
      if (!channel) throw new Error('conversations.open returned no channel');
      const root = await client.chat.postMessage({ channel, text: `From your Home tab: “${escapeMrkdwn(text)}”` });
      if (!root.ts) throw new Error('chat.postMessage returned no ts');
      const conversationId = conversationKey({ team, channel, threadTs: root.ts });
      deps.status?.titled(conversationId, text, clicker);
      await deps.home.publish(clicker, `I asked for an extension of your ${grant.system} ${grant.level} access: see our DM.`);
      const result = await deps.runner.handleMessage(conversationId, actor, text);
      // A turn the machine ran is shown from the outbox; a refusal never reached it.
      if (result.refused && !result.takenOver) await client.chat.postMessage({ channel, thread_ts: root.ts, text: clip(escapeMrkdwn(result.reply), 39_000) });
    } catch (err) {
      deps.logger.error({ err, clicker }, 'extension request could not be started');
      await deps.home.publish(clicker, 'Sorry, something went wrong on my side and the extension was not requested. Please try again in a minute.');
    }
  });
}
