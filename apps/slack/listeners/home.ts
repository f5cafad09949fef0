import type { App, webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { getApproval } from '../../../db/approvals';
import { approvalOfHomeRefresh, enqueueHomeRefresh } from '../../../db/outbox';
import { approvalDecision, routeNow } from '../../../machines/approvers';
import { valueOr } from '../../../tools/backends/types';
import { homeView, type HomeDeps } from '../home-view';
import type { SlackIdentity } from '../identity';

export interface HomeTab {
  /** Draws `user`'s Home tab again (after a decision taken there), with an optional notice at the top. */
  publish(user: string, notice?: string): Promise<void>;
  /**
   * An outbox `home_refresh` (queued by whichever process changed something, the CLI included): `user` (a
   * directory id) has their Home drawn again when Slack knows them as a full member; homesOfApprovers(a
   * request), a refresh queued for everyone who may approve it (resolved against the directory now), so
   * an approver's "Waiting for you" gains or loses it whether or not they opened Home lately, or here.
   * A Slack refusal goes up, so the outbox retries it.
   */
  refresh(user: string): Promise<void>;
}

/**
 * The Home tab, per viewer: what waits for their answer (Approve/Deny, checked again on click exactly as
 * the card's buttons are), their own requests and tickets, and what they may ask for, from their role.
 * Drawn when opened, after a click there, and again (through the outbox) when what it shows changes.
 */
export function registerHome(app: App, deps: { identity: SlackIdentity; logger: Logger; home: HomeDeps; client?: webApi.WebClient }): HomeTab {
  async function publish(client: webApi.WebClient, user: string, notice?: string): Promise<void> {
    const actor = await deps.identity.actorFor(user);
    await client.views.publish({ user_id: user, view: await homeView(deps.home, actor, notice) });
  }

  /** Draws a directory person's Home, when Slack knows them as a full member. */
  async function drawFor(person: string): Promise<void> {
    const found = valueOr(await deps.home.backends.directory.find(person), null);
    const slackId = found?.active ? await deps.identity.slackIdOf(found) : null;
    if (slackId) await publish(deps.client ?? app.client, slackId);
  }

  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home' || typeof event.user !== 'string') return;
    await publish(client, event.user);
  });
  return {
    publish: (user, notice) =>
      publish(app.client, user, notice).catch((err: unknown) => {
        deps.logger.warn({ err, user }, 'could not draw the Home tab');
      }),
    async refresh(user) {
      const approvalId = approvalOfHomeRefresh(user);
      if (approvalId === null) return drawFor(user);
      const approval = getApproval(deps.home.db, approvalId);
      if (!approval) return;
      const route = await routeNow(deps.home.backends.directory, approvalDecision(approval), approval.requester, { usergroups: deps.home.usergroups });
      // One refresh per approver, queued like any other: coalesced with what else changed for them, and
      // retried for that person alone when Slack refuses their Home.
      enqueueHomeRefresh(deps.home.db, route.approvers, Date.now());
    },
  };
}
