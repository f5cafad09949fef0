import type { App, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { SlackIdentity } from '../identity';
import { errorText, platformError } from '../identity';
import { PROMPTS_TITLE, promptsFor } from '../prompts';

export interface AgentSurfaceDeps {
  /** A client that fails fast (no retries, 429s returned): a prompt that comes minutes late is worthless. */
  client: webApi.WebClient;
  identity: SlackIdentity;
  logger: Logger;
  now: () => number;
}

/** Prompts already set in a DM are not sent again for this long, unless the viewer's role changed. */
const PROMPTS_FRESH_MS = 10 * 60_000;
const MAX_REMEMBERED = 10_000;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 255 ? v : undefined);

/**
 * The agent messaging surface (`features.agent_view`): suggested prompts fitting the viewer's role, set
 * when they open the Messages tab (`app_home_opened`, `tab: "messages"`), when what they view beside the
 * agent changes (`app_context_changed`), and, for apps still on the legacy `assistant_view`, when an
 * assistant thread starts. Everything here is best-effort: a workspace that installed the older manifest
 * (no `assistant:write`) keeps DMs and mentions working and simply shows no prompts.
 */
export function registerAgentSurface(app: App, deps: AgentSurfaceDeps): void {
  const { client, identity, logger } = deps;
  /** DM channel (or legacy thread) → the role whose prompts it shows, and when they were set. */
  const shown = new Map<string, { role: string; at: number }>();
  let unsupported = false;

  async function showPrompts(user: string, channel: string, threadTs?: string): Promise<void> {
    if (unsupported) return;
    const actor = await identity.actorFor(user);
    const key = threadTs ? `${channel}/${threadTs}` : channel;
    const last = shown.get(key);
    const at = deps.now();
    if (last && last.role === actor.role && at - last.at < PROMPTS_FRESH_MS) return;
    try {
      await client.assistant.threads.setSuggestedPrompts({
        channel_id: channel,
        // agent_view: prompts belong to the DM; a thread_ts there makes the call fail silently.
        ...(threadTs ? { thread_ts: threadTs } : {}),
        title: PROMPTS_TITLE,
        prompts: promptsFor(actor.role),
      });
      shown.delete(key);
      shown.set(key, { role: actor.role, at });
      if (shown.size > MAX_REMEMBERED) shown.delete(shown.keys().next().value!);
    } catch (err) {
      if (platformError(err) === 'missing_scope') {
        unsupported = true;
        logger.info('Slack refused suggested prompts (missing_scope assistant:write): this workspace installed an older manifest; reinstall from slack/manifest.json to get them');
        return;
      }
      logger.warn({ user, channel, cause: errorText(err) }, 'could not set suggested prompts');
    }
  }

  app.event('app_home_opened', async ({ event }) => {
    const user = str(event.user);
    const channel = str(event.channel);
    if (event.tab !== 'messages' || !user || !channel) return;
    await showPrompts(user, channel);
  });

  app.event('app_context_changed', async ({ event }) => {
    const user = str(event.user);
    const channel = str(event.channel);
    if (!user || !channel) return;
    await showPrompts(user, channel);
  });

  // Legacy `assistant_view` (apps created before 2026-06-30 that kept it): prompts are per thread.
  app.event('assistant_thread_started', async ({ event }) => {
    const t = event.assistant_thread;
    const user = str(t?.user_id);
    const channel = str(t?.channel_id);
    const threadTs = str(t?.thread_ts);
    if (!user || !channel || !threadTs) return;
    await showPrompts(user, channel, threadTs);
  });
}
