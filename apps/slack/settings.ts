import { ConfigError, type Config } from '../../config';

export interface SlackSettings {
  botToken: string;
  appToken: string;
  /** Base URL of the Web API, always ending in `/` (the Web API client appends method names). */
  apiUrl?: string;
  /** Channel id approval cards go to; when unset they are sent to each admin by DM. */
  approvalsChannel?: string;
}

const TRY_CLI = 'To try Sentinel without Slack, run `npm run cli`.';

function fail(variable: string, problem: string, hint: string): never {
  throw new ConfigError(`Invalid configuration:\n  ${variable}: ${problem}\n  ${hint}\n  ${TRY_CLI}`);
}

/** The Slack half of the configuration; the CLI never calls this, so it runs with no tokens at all. */
export function slackSettings(config: Config): SlackSettings {
  const { SLACK_BOT_TOKEN: bot, SLACK_APP_TOKEN: app, SLACK_API_URL: url, SENTINEL_APPROVALS_CHANNEL: channel } = config.env;
  const botHint = 'Use the Bot User OAuth Token (xoxb-…) from your Slack app’s "OAuth & Permissions" page (README: Slack).';
  const appHint = 'Use an app-level token (xapp-…) with the connections:write scope from "Basic Information" (README: Slack).';
  if (!bot) fail('SLACK_BOT_TOKEN', 'not set.', botHint);
  if (!/^xoxb-[A-Za-z0-9-]+$/.test(bot)) fail('SLACK_BOT_TOKEN', 'does not look like a bot token (it must start with xoxb-).', botHint);
  if (!app) fail('SLACK_APP_TOKEN', 'not set.', appHint);
  if (!/^xapp-[A-Za-z0-9-]+$/.test(app)) fail('SLACK_APP_TOKEN', 'does not look like an app-level token (it must start with xapp-).', appHint);
  if (channel !== undefined && !/^[CG][A-Z0-9]{2,}$/.test(channel)) {
    fail('SENTINEL_APPROVALS_CHANNEL', `"${channel.slice(0, 40)}" is not a channel id.`, 'Use the channel id (C…), shown at the bottom of the channel’s details in Slack.');
  }
  return { botToken: bot, appToken: app, apiUrl: url && (url.endsWith('/') ? url : `${url}/`), approvalsChannel: channel };
}
