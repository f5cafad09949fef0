import { App, SocketModeReceiver, webApi, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from 'pino';
import { getApproval } from '../../db/approvals';
import type { Sentinel } from '../sentinel';
import { valueOr } from '../../tools/backends/types';
import { boltLogger } from './bolt-logger';
import { SlackIdentity, errorText } from './identity';
import { registerActionListeners } from './listeners/actions';
import { registerExtend } from './listeners/extend';
import { registerFeedback } from './listeners/feedback';
import { registerAgentSurface } from './listeners/agent';
import { registerHome } from './listeners/home';
import { registerMessageListeners } from './listeners/messages';
import { registerStop } from './listeners/stop';
import { slackDelivery } from './delivery';
import { outboxDeliverer } from './outbox-deliverer';
import { StreamedReplies } from './streamed-replies';
import { ThreadStatus } from './thread-status';
import type { SlackSettings } from './settings';

export interface SlackAppOptions {
  settings: SlackSettings;
  sentinel: Sentinel;
  logger: Logger;
  now?: () => number;
  /** How long a users.info / lookupByEmail answer is trusted. */
  identityTtlMs?: number;
  /** How long a request may run before a ⏳ reaction shows it is being worked on (default 700 ms). */
  workingReactionAfterMs?: number;
  /** How long a turn may run before its status line and processing session (Stop) show (default 300 ms). */
  statusAfterMs?: number;
  /** How often the outbox is checked for turns settled by other processes (default 1 s). */
  outboxPollMs?: number;
  /** How soon an approvals channel that refused a card is tried again (default 60 s). */
  channelRetryMs?: number;
  /** Socket timing; the reconnect delay is a multiple of clientPingTimeout, which tests shorten. */
  socket?: { clientPingTimeout?: number; serverPingTimeout?: number };
}

export interface SlackApp {
  app: App;
  identity: SlackIdentity;
  stop(): Promise<void>;
}

/** Why the app could not start, naming the variable to fix. */
export class SlackStartError extends Error {}

/**
 * Builds the Bolt app in Socket Mode (no public URL), checks the bot token (auth.test), connects, and
 * then finishes whatever a previous run left half-done (turns, decided approvals), publishing the results.
 */
export async function startSlackApp(opts: SlackAppOptions): Promise<SlackApp> {
  const { settings, sentinel, logger } = opts;
  const now = opts.now ?? Date.now;
  const log = belowLevelDropped(boltLogger(logger), logger);
  // Separate objects: the socket client writes its own retry policy into the options it is given.
  const apiUrl = settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {};
  const receiver = new SocketModeReceiver({
    appToken: settings.appToken,
    logger: log,
    installerOptions: { clientOptions: { ...apiUrl } },
    clientPingTimeout: opts.socket?.clientPingTimeout,
    serverPingTimeout: opts.socket?.serverPingTimeout,
  });
  const app = new App({
    token: settings.botToken,
    receiver,
    socketMode: true,
    logger: log,
    clientOptions: { ...apiUrl },
    deferInitialization: true,
    convoStore: false,
  });
  // Listeners still working when the app stops (a reply being posted) are waited for, not cut off.
  const inflight = new Set<Promise<void>>();
  app.use(async ({ next }) => {
    const work = next();
    inflight.add(work);
    try {
      await work;
    } finally {
      inflight.delete(work);
    }
  });
  app.error(async (error) => {
    logger.error({ err: error }, 'unhandled error in a Slack listener');
  });

  try {
    await app.init();
  } catch (err) {
    // Only Slack's own answer (ok: false, a platform error) is a verdict on the token. A refused connection,
    // a DNS failure or a 5xx says nothing about it: it goes up unchanged, and main.ts waits for Slack.
    if ((err as { code?: unknown } | null)?.code !== 'slack_webapi_platform_error') throw err;
    throw new SlackStartError(`Slack rejected SLACK_BOT_TOKEN (auth.test: ${errorText(err)}). Check the token, or run \`npm run cli\` to try Sentinel without Slack.`);
  }
  // Tickets link back to the thread they were asked in: the installed workspace's URL (auth.test; best effort).
  const installed = await app.client.auth.test().catch(() => null);
  if (installed?.team_id && installed.url) sentinel.runner.linkSlackThreads({ team: installed.team_id, url: installed.url });
  const identity = new SlackIdentity(app.client, sentinel.backends.directory, { ttlMs: opts.identityTtlMs ?? 60_000, now, logger });
  const db = sentinel.database.db;
  // Suggested prompts, status lines and sessions are best-effort: no retries, 429s returned, a short deadline.
  const bestEffortClient = new webApi.WebClient(settings.botToken, {
    ...apiUrl,
    logger: log,
    fetch: timedFetch(5_000),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
  });
  // The thread's status line and session follow the runner's turns ("Reading your request…", "Checking …", cleared).
  const status = new ThreadStatus(bestEffortClient, logger, { afterMs: opts.statusAfterMs ?? 300 });
  const stopSteps = sentinel.runner.onStep(status.onStep);
  // A turn's tool calls (as tasks) and the summary an LLM writes are streamed into the thread, then made the reply.
  const streamed = new StreamedReplies(bestEffortClient, logger, { db, requesterOf: (approvalId) => requesterSlackId(approvalId) });
  const stopStreams = sentinel.runner.onStep(streamed.onStep);
  sentinel.runner.streamSummariesWhen(streamed.wanted);
  // A decision's turn streams in a channel thread only to its requester, when Slack knows them.
  const requesterSlackId = async (approvalId: string): Promise<string | null> => {
    const requester = getApproval(db, approvalId)?.requester;
    const user = requester ? valueOr(await sentinel.backends.directory.find(requester), null) : null;
    return user ? identity.slackIdOf(user) : null;
  };
  registerMessageListeners(app, { db, runner: sentinel.runner, identity, logger, now, workingReactionAfterMs: opts.workingReactionAfterMs ?? 700, status, streamed });
  // Policy `approvers: { slack_usergroup }`: only Slack knows a user group's members.
  const usergroups = (usergroup: string) => identity.usergroupMembers(usergroup);
  const home = registerHome(app, { identity, logger, home: { db, backends: sentinel.backends, usergroups, now }, client: bestEffortClient });
  registerActionListeners(app, { runner: sentinel.runner, identity, logger, home });
  registerExtend(app, { runner: sentinel.runner, identity, access: sentinel.backends.access, home, status, logger, now });
  registerAgentSurface(app, { client: bestEffortClient, identity, logger, now });
  registerStop(app, { runner: sentinel.runner, identity, status, logger });
  registerFeedback(app, { db, identity, logger, now });
  // The deliverer's own client fails fast (bounded retries, 429s returned to it): it keeps its own
  // backoff in the outbox, and a claimed row must never outlive its claim inside a client retrying for minutes.
  const deliveryClient = new webApi.WebClient(settings.botToken, {
    ...apiUrl,
    logger: log,
    fetch: timedFetch(10_000),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2_000 },
  });
  sentinel.runner.resolveUsergroupsWith(usergroups);
  const delivery = slackDelivery({ client: deliveryClient, db, directory: sentinel.backends.directory, identity, approvalsChannel: settings.approvalsChannel, logger, now, channelRetryMs: opts.channelRetryMs, usergroups, refreshHome: home.refresh, status, streams: streamed });
  const deliverer = outboxDeliverer({ db, owner: sentinel.runner.owner, deliver: delivery.deliver, logger, crash: sentinel.crash, pollMs: opts.outboxPollMs });
  // A turn settled here is shown at once; turns settled by other processes (the CLI) within a poll. Home
  // tabs are drawn again from the outbox too (home_refresh, queued where the change is made, by any process).
  const unsubscribe = sentinel.runner.onTurn(() => {
    void deliverer.wake();
  });

  try {
    await app.start();
  } catch (err) {
    unsubscribe();
    stopSteps();
    stopStreams();
    if ((err as { code?: unknown } | null)?.code !== 'slack_webapi_platform_error') throw err;
    throw new SlackStartError(`Slack refused the Socket Mode connection for SLACK_APP_TOKEN (apps.connections.open: ${errorText(err)}). It must be an app-level token with connections:write, and Socket Mode must be on.`);
  }
  logger.info('connected to Slack (Socket Mode)');
  const recovered = await sentinel.runner.recover();
  if (recovered.length) logger.info({ count: recovered.length }, 'finished turns and approvals left by the previous run');
  // Whatever earlier runs (or other processes) settled but did not show.
  void deliverer.wake();

  return {
    app,
    identity,
    async stop() {
      // App.stop() does not wait for the close handshake; the socket client's own disconnect() does.
      // A peer that never answers is cut off by the client itself after its handshake timeout.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([receiver.client.disconnect(), new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
      clearTimeout(timer);
      await Promise.allSettled([...inflight]);
      await sentinel.runner.idle();
      stopSteps();
      stopStreams();
      await status.idle();
      await streamed.idle();
      unsubscribe();
      await deliverer.wake();
      await deliverer.stop();
    },
  };
}

/**
 * fetch with a deadline for the whole call, the answer read included, disarmed as soon as it is read.
 * (The client's own `timeout` option uses AbortSignal.timeout, which stays armed after the answer: every
 * post then aborted its finished request 10 s later, a cost per reply that showed under load.)
 */
export function timedFetch(ms: number): NonNullable<webApi.WebClientOptions['fetch']> {
  return async (url, init) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException(`Slack did not answer within ${ms} ms`, 'TimeoutError')), ms);
    try {
      const response = await fetch(url, { ...init, signal: controller.signal });
      const body = await response.arrayBuffer();
      const text = () => new TextDecoder().decode(body);
      return {
        ok: response.ok,
        status: response.status,
        statusText: response.statusText,
        url: response.url,
        headers: response.headers,
        arrayBuffer: async () => body,
        text: async () => text(),
        json: async () => JSON.parse(text()) as unknown,
      };
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Bolt, its socket client and the Web API client log several debug lines per event (whole envelopes
 * among them), and the adapter turns each into text and masks secrets in it before pino sees the level:
 * lines pino would drop are dropped here, before that work (it was a measurable share of every event).
 */
export function belowLevelDropped(log: BoltLogger, pinoLogger: Logger): BoltLogger {
  const gate =
    (level: 'debug' | 'info' | 'warn' | 'error', write: (...m: unknown[]) => void) =>
    (...m: unknown[]) => {
      if (pinoLogger.isLevelEnabled(level)) write(...m);
    };
  return { ...log, debug: gate('debug', log.debug), info: gate('info', log.info), warn: gate('warn', log.warn), error: gate('error', log.error) };
}
