import { loadConfig } from '../../config';
import { startSlackApp, type SlackApp } from '../../apps/slack/app';
import { slackSettings } from '../../apps/slack/settings';
import { openSentinel, silentLogger, tempDbPath } from './harness';
import { LoopbackSlack, type LoopbackOptions } from './loopback-slack';

/** Slack people matching the demo directory by email, plus the awkward cases. */
export const PEOPLE = {
  alice: { id: 'U0ALICE', name: 'alice', email: 'alice@example.com' },
  intern: { id: 'U0INTERN', name: 'intern', email: 'intern@example.com' },
  sam: { id: 'U0SAM', name: 'sam', email: 'sam@example.com' },
  cto: { id: 'U0CTO', name: 'cto', email: 'CTO@example.com' },
  // A single-channel guest whose profile email matches an employee: still never more than guest.
  guestAlias: { id: 'U0GUESTALICE', name: 'alice-guest', email: 'alice@example.com', is_restricted: true, is_ultra_restricted: true },
  stranger: { id: 'U0STRANGER', name: 'stranger', email: 'sam@example.com', is_stranger: true },
  // Guest accounts carrying admins' emails (a Slack Connect guest, a mistyped invite): never those admins.
  guestCto: { id: 'U0GUESTCTO', name: 'cto-guest', email: 'cto@example.com', is_restricted: true },
  guestSam: { id: 'U0GUESTSAM', name: 'sam-guest', email: 'sam@example.com', is_ultra_restricted: true },
  nobody: { id: 'U0NOBODY', name: 'nobody', email: 'nobody@elsewhere.test' },
} as const;

export const APPROVALS_CHANNEL = 'C0APPROVALS';
export const HELP_CHANNEL = 'C0HELP';

export interface SlackFixture {
  slack: LoopbackSlack;
  dbPath: string;
  sentinel: ReturnType<typeof openSentinel>;
  app: SlackApp;
  /** Stops the app and closes the database, then starts both again on the same file (a process restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The real Sentinel Bolt app, in this process, connected to a loopback Slack on 127.0.0.1. */
export async function slackFixture(
  opts: {
    approvalsChannel?: string | null;
    loopback?: LoopbackOptions;
    now?: () => number;
    workingReactionAfterMs?: number;
    env?: Record<string, string>;
    /** Retry a refused approvals channel after this long (the app's default is a minute). */
    channelRetryMs?: number;
  } = {},
): Promise<SlackFixture> {
  const slack = await LoopbackSlack.start(opts.loopback);
  for (const p of Object.values(PEOPLE)) slack.addUser({ ...p });
  const dbPath = tempDbPath();
  const env: Record<string, string> = { ...slack.env(), ...opts.env };
  const channel = opts.approvalsChannel === undefined ? APPROVALS_CHANNEL : opts.approvalsChannel;
  if (channel) env.SENTINEL_APPROVALS_CHANNEL = channel;
  const boot = async () => {
    const sentinel = openSentinel({ db: dbPath, env, now: opts.now });
    const settings = slackSettings(loadConfig({ SENTINEL_DB: dbPath, ...env }));
    // A short ping timeout makes the reconnect after `disconnect` quick (the delay is a multiple of it).
    const app = await startSlackApp({ settings, sentinel, logger: silentLogger, now: opts.now, socket: { clientPingTimeout: 200 }, workingReactionAfterMs: opts.workingReactionAfterMs, outboxPollMs: 100, channelRetryMs: opts.channelRetryMs });
    return { sentinel, app };
  };
  let running = await boot();
  const fixture: SlackFixture = {
    slack,
    dbPath,
    get sentinel() {
      return running.sentinel;
    },
    get app() {
      return running.app;
    },
    async restart() {
      await running.app.stop();
      await running.sentinel.close();
      running = await boot();
    },
    async close() {
      await running.app.stop();
      await running.sentinel.close();
      await slack.close();
    },
  };
  return fixture;
}
