import type { App, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { HOME_VIEWERS } from '../../../db/outbox';
import { valueOr } from '../../../tools/backends/types';
import { homeView, type HomeDeps } from '../home-view';
import type { SlackIdentity } from '../identity';

export interface HomeTab {
  /** Draws `user`'s Home tab again (after a decision taken there), with an optional notice at the top. */
  publish(user: string, notice?: string): Promise<void>;
  /**
   * Something a Home tab shows changed in this process (a request made, decided, expired): the tabs of
   * people who opened theirs recently are drawn again, soon and once for a burst of changes.
   */
  changed(): void;
  /**
   * An outbox `home_refresh` (queued by whichever process changed something, the CLI included): `user` (a
   * directory id) has their Home drawn again when Slack knows them as a full member; HOME_VIEWERS, every
   * Home opened here recently. A Slack refusal for one person goes up, so the outbox retries it.
   */
  refresh(user: string): Promise<void>;
  /** Resolves once redraws under way are done (for an orderly stop). */
  idle(): Promise<void>;
}

/** Whose Home tabs are kept fresh: people who opened theirs in the last half hour, at most this many. */
const RECENT_MS = 30 * 60_000;
const MAX_RECENT = 200;
const REDRAW_AFTER_MS = 250;

/**
 * The Home tab, per viewer: what waits for their answer (Approve/Deny, checked again on click exactly as
 * the card's buttons are), their own requests and tickets, and what they may ask for, from their role.
 * Drawn when opened, after a click there, and again when requests change while it may be on screen.
 */
export function registerHome(app: App, deps: { identity: SlackIdentity; logger: Logger; home: HomeDeps; client?: webApi.WebClient }): HomeTab {
  const recent = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let redrawing: Promise<unknown> = Promise.resolve();

  async function publish(client: webApi.WebClient, user: string, notice?: string): Promise<void> {
    const actor = await deps.identity.actorFor(user);
    await client.views.publish({ user_id: user, view: await homeView(deps.home, actor, notice) });
  }
  const safely = (client: webApi.WebClient, user: string, notice?: string) =>
    publish(client, user, notice).catch((err: unknown) => {
      deps.logger.warn({ err, user }, 'could not draw the Home tab');
    });

  function redrawRecent(): Promise<unknown> {
    timer = undefined;
    const since = deps.home.now() - RECENT_MS;
    const users = [...recent].filter(([, at]) => at >= since).map(([u]) => u);
    for (const [u, at] of recent) if (at < since) recent.delete(u);
    redrawing = redrawing.then(() => Promise.all(users.map((u) => safely(deps.client ?? app.client, u))));
    return redrawing;
  }

  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home' || typeof event.user !== 'string') return;
    recent.delete(event.user);
    recent.set(event.user, deps.home.now());
    if (recent.size > MAX_RECENT) recent.delete(recent.keys().next().value!);
    await publish(client, event.user);
  });
  return {
    publish: (user, notice) => safely(app.client, user, notice),
    changed() {
      if (!timer && recent.size) timer = setTimeout(redrawRecent, REDRAW_AFTER_MS);
    },
    async refresh(user) {
      if (user === HOME_VIEWERS) return void (await redrawRecent());
      const person = valueOr(await deps.home.backends.directory.find(user), null);
      const slackId = person?.active ? await deps.identity.slackIdOf(person) : null;
      if (slackId) await publish(deps.client ?? app.client, slackId);
    },
    async idle() {
      if (timer) {
        clearTimeout(timer);
        redrawRecent();
      }
      await redrawing;
    },
  };
}
