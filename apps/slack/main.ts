import { ConfigError, loadConfig, loadDotEnv } from '../../config';
import { pruneSlackMessages } from '../../db/slack-events';
import { createLogger } from '../logger';
import { createSentinel } from '../sentinel';
import { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { SlackStartError, startSlackApp, type SlackApp } from './app';
import { boltLogger } from './bolt-logger';
import { slackSettings, type SlackSettings } from './settings';

const SWEEP_EVERY_MS = 60_000;
const KEEP_MESSAGE_KEYS_MS = 24 * 3_600_000;

/** `npm start`: Sentinel in Slack over Socket Mode. Exit 2 = configuration to fix, 1 = failure. */
async function main(): Promise<number> {
  let config, settings, logger, sentinel;
  try {
    loadDotEnv();
    config = loadConfig();
    settings = slackSettings(config);
    logger = createLogger(config.logLevel ?? 'info');
    // Opening the database can be a configuration error too (SENTINEL_DB a directory, not SQLite, …).
    sentinel = createSentinel(config, logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sentinel: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const stopping = new AbortController();
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping: finishing the turns in progress');
    stopping.abort();
  };
  // Installed before connecting: Slack may be unreachable for a long time, and SIGTERM must still stop us.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  let slack: SlackApp | undefined;
  while (!slack && (await waitForSlack(settings, logger, stopping.signal))) {
    try {
      slack = await startSlackApp({ settings, sentinel, logger });
    } catch (err) {
      if (err instanceof SlackStartError) {
        await sentinel.close();
        process.stderr.write(`sentinel: ${err.message}\n`);
        return 2;
      }
      if (!unreachable(err)) {
        await sentinel.close();
        throw err;
      }
      logger.warn({ cause: slackFailure(err) }, 'lost Slack while connecting; waiting for it again');
    }
  }
  if (!slack) {
    await sentinel.close();
    return 0;
  }
  logger.info({ db: config.dbPath, llm: sentinel.llm.name }, 'Sentinel is running; press Ctrl-C to stop');

  // Every minute: expired approvals, undelivered decisions, and the grant scheduler (warnings an hour
  // before, revocations with backoff, notices in the thread). One sweep at a time: a slow backend makes
  // a sweep skip its turn rather than run two at once; a stop waits for the one in flight to record what it did.
  let sweeping: Promise<void> | null = null;
  const sweep = () =>
    (sweeping ??= (async () => {
      try {
        await sentinel.runner.sweep();
        pruneSlackMessages(sentinel.database.db, Date.now() - KEEP_MESSAGE_KEYS_MS);
      } catch (err) {
        logger.error({ err }, 'sweep failed; retrying at the next interval');
      } finally {
        sweeping = null;
      }
    })());
  await sweep();
  const timer = setInterval(() => void sweep(), SWEEP_EVERY_MS);

  if (!stopping.signal.aborted) await new Promise((resolve) => stopping.signal.addEventListener('abort', resolve, { once: true }));
  clearInterval(timer);
  await sweeping;
  await slack.stop().catch((err: unknown) => logger.error({ err }, 'error while disconnecting from Slack'));
  await sentinel.close();
  return 0;
}

/** Between attempts to reach Slack: 1 s, 2 s, 4 s … then every minute, for as long as it takes. */
const reachBackoffMs = (attempt: number) => Math.min(1000 * 2 ** (attempt - 1), 60_000);

/** A request error (refused, DNS, timeout) or an HTTP error: Slack itself has not answered. */
function unreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'slack_webapi_request_error' || code === 'slack_webapi_http_error';
}

/** What stood in the way, in a word: the HTTP status, or the network code fetch keeps a few `cause`s down. */
function slackFailure(err: unknown): string {
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number') return `HTTP ${status}`;
  let message = err instanceof Error ? err.message : String(err);
  let e = err as { code?: unknown; message?: unknown; original?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    if (depth > 0 && typeof e.code === 'string') return e.code;
    if (depth > 0 && typeof e.message === 'string') message = e.message;
    e = (e.original ?? e.cause) as typeof e;
  }
  return message;
}

/**
 * Waits until Slack's Web API answers auth.test at all (any answer, even "invalid_auth", which
 * startSlackApp then reports by name). One request per step, no client-side retries, so each failed step
 * is exactly one warn line with the URL and the cause. False when stopped while waiting.
 */
async function waitForSlack(settings: SlackSettings, logger: Logger, stopped: AbortSignal): Promise<boolean> {
  const url = settings.apiUrl ?? 'https://slack.com/api/';
  // The client's own "http request failed" warnings would repeat ours with less in them: keep only errors.
  const quiet = boltLogger(logger.child({ component: 'slack-probe' }, { level: 'error' }));
  const client = new webApi.WebClient(settings.botToken, { slackApiUrl: url, retryConfig: { retries: 0 }, timeout: 10_000, logger: quiet });
  for (let attempt = 1; !stopped.aborted; attempt++) {
    try {
      await client.auth.test();
      return true;
    } catch (err) {
      if (!unreachable(err)) return true;
      if (stopped.aborted) break;
      const retryInMs = reachBackoffMs(attempt);
      logger.warn({ url, cause: slackFailure(err), attempt, retryInMs }, `cannot reach Slack at ${url}; trying again in ${retryInMs / 1000} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, retryInMs);
        function done() {
          clearTimeout(timer);
          stopped.removeEventListener('abort', done);
          resolve();
        }
        stopped.addEventListener('abort', done, { once: true });
      });
    }
  }
  return false;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`sentinel: unexpected error: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
