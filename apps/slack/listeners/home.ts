import type { App, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { homeView, type HomeDeps } from '../home-view';
import type { SlackIdentity } from '../identity';

export interface HomeTab {
  /** Draws `user`'s Home tab again (after a decision taken there), with an optional notice at the top. */
  publish(user: string, notice?: string): Promise<void>;
}

/**
 * The Home tab, per viewer: what waits for their answer (Approve/Deny, checked again on click exactly as
 * the card's buttons are), their own requests and tickets, and what they may ask for, from their role.
 */
export function registerHome(app: App, deps: { identity: SlackIdentity; logger: Logger; home: HomeDeps }): HomeTab {
  async function publish(client: webApi.WebClient, user: string, notice?: string): Promise<void> {
    const actor = await deps.identity.actorFor(user);
    await client.views.publish({ user_id: user, view: await homeView(deps.home, actor, notice) });
  }
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home' || typeof event.user !== 'string') return;
    await publish(client, event.user);
  });
  return {
    publish: (user, notice) =>
      publish(app.client, user, notice).catch((err: unknown) => {
        deps.logger.warn({ err, user }, 'could not redraw the Home tab');
      }),
  };
}
