import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { ConversationRunner } from '../../../machines/runner';
import { APPROVE_ACTION, DENY_ACTION } from '../blocks/approval-card';
import type { SlackIdentity } from '../identity';
import { clip, escapeMrkdwn } from '../mrkdwn';
import type { HomeTab } from './home';

export interface ActionDeps {
  runner: ConversationRunner;
  identity: SlackIdentity;
  logger: Logger;
  /** Buttons on the Home tab: the clicker's Home is drawn again, with a refusal shown there. */
  home?: HomeTab;
}

const APPROVAL_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Approve / Deny (Confirm / Cancel) buttons, on a card or on the Home tab. Acked first, within Slack's 3 s;
 * then the runner checks everything again from the stored approval and the clicker's identity. Only the
 * clicker sees a refusal (privately in the card's conversation, or on their Home tab). The decided cards —
 * every copy — and the requester's result are published with the turn.
 */
export function registerActionListeners(app: App, deps: ActionDeps): void {
  const { runner, identity, logger } = deps;
  for (const [actionId, decision] of [
    [APPROVE_ACTION, 'approve'],
    [DENY_ACTION, 'deny'],
  ] as const) {
    app.action({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action, client }) => {
      await ack();
      const clicker = body.user?.id;
      const channel = body.channel?.id ?? body.container?.channel_id;
      const value = 'value' in action ? action.value : undefined;
      const fromHome = (body as { view?: { type?: unknown } }).view?.type === 'home' && deps.home !== undefined;
      if (typeof clicker !== 'string' || (typeof channel !== 'string' && !fromHome)) {
        logger.warn({ actionId }, 'block action without a user or channel; ignored');
        return;
      }
      let reply: string;
      if (typeof value !== 'string' || !APPROVAL_ID.test(value)) {
        reply = 'That button does not belong to a request I know.';
      } else {
        try {
          const decider = await identity.actorFor(clicker);
          const result = await runner.decideApproval(value, decider, decision);
          // Decided (its outcome is published from the outbox), or taken over by a process that reports it.
          if (!result.refused || result.takenOver) return void (fromHome ? await deps.home!.publish(clicker) : undefined);
          reply = result.reply;
        } catch (err) {
          logger.error({ err, approval: value }, 'approval click could not be handled');
          reply = 'Sorry, something went wrong on my side. If the request is still open, please try again in a minute.';
        }
      }
      if (fromHome) return void (await deps.home!.publish(clicker, reply));
      const threadTs = (body as { message?: { thread_ts?: unknown } }).message?.thread_ts;
      await client.chat.postEphemeral({ channel: channel!, user: clicker, text: clip(escapeMrkdwn(reply), 3000), thread_ts: typeof threadTs === 'string' ? threadTs : undefined });
    });
  }
}
