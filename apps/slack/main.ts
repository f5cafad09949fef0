import { ConfigError, loadConfig, loadDotEnv } from '../../config';
import { pruneSlackMessages } from '../../db/slack-events';
import { createLogger } from '../logger';
import { createSentinel } from '../sentinel';
import { llmWithLogger } from '../../machines/llm/openai';
import { SlackStartError, startSlackApp } from './app';
import { slackSettings } from './settings';

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
    sentinel = createSentinel(config, logger, { llm: llmWithLogger(config, logger) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sentinel: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let slack;
  try {
    slack = await startSlackApp({ settings, sentinel, logger });
  } catch (err) {
    await sentinel.close();
    if (err instanceof SlackStartError) {
      process.stderr.write(`sentinel: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  logger.info({ db: config.dbPath, llm: sentinel.llm.name }, 'Sentinel is running; press Ctrl-C to stop');

  const sweep = async () => {
    try {
      await sentinel.runner.sweep();
      pruneSlackMessages(sentinel.database.db, Date.now() - KEEP_MESSAGE_KEYS_MS);
    } catch (err) {
      logger.error({ err }, 'sweep failed; retrying at the next interval');
    }
  };
  await sweep();
  const timer = setInterval(() => void sweep(), SWEEP_EVERY_MS);

  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping: finishing the turns in progress');
      clearInterval(timer);
      void slack
        .stop()
        .catch((err: unknown) => logger.error({ err }, 'error while disconnecting from Slack'))
        .then(() => sentinel.close())
        .then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await stopped;
  return 0;
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
