import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { SlackIdentity } from '../identity';

const EXAMPLES = [
  '“reset my password”',
  '“my laptop is slow” (runs a diagnostic on your device)',
  '“I need read access to github for 8 hours”',
  '“lock my laptop, it was stolen”',
  '“what’s the status of IT-1042?”',
];

/** The Home tab: what Sentinel does and what the viewer may ask for, from their role. */
export function registerHome(app: App, deps: { identity: SlackIdentity; logger: Logger }): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home' || typeof event.user !== 'string') return;
    const actor = await deps.identity.actorFor(event.user);
    await client.views.publish({
      user_id: event.user,
      view: {
        type: 'home',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Sentinel — IT help in Slack' } },
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: 'Send me a DM or @mention me in a channel, in your own words. I answer in the thread. Anything destructive or privileged waits for an IT admin’s approval.',
            },
          },
          { type: 'section', text: { type: 'mrkdwn', text: `*Try:*\n${EXAMPLES.map((e) => `• ${e}`).join('\n')}` } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: `You are signed in as *${actor.role}*${actor.role === 'guest' ? ': you can check the status of your own tickets.' : '.'}` }] },
        ],
      },
    });
  });
}
