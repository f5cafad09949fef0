/**
 * The yardstick for the Slack load run: a Bolt app in Socket Mode whose listeners do nothing, connected
 * the same way as Sentinel's (SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_API_URL). What Sentinel adds on
 * top of it is Sentinel's cost.
 */
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';

const apiUrl = process.env.SLACK_API_URL ? { slackApiUrl: process.env.SLACK_API_URL } : {};
const receiver = new SocketModeReceiver({ appToken: process.env.SLACK_APP_TOKEN ?? '', logLevel: LogLevel.ERROR, installerOptions: { clientOptions: { ...apiUrl } } });
const app = new App({ token: process.env.SLACK_BOT_TOKEN, receiver, socketMode: true, logLevel: LogLevel.ERROR, clientOptions: { ...apiUrl } });
app.event('message', async () => undefined);
app.event('app_mention', async () => undefined);
void app.start();
process.on('SIGTERM', () => void app.stop().finally(() => process.exit(0)));
