import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config';
import { openDatabase, type SentinelDb } from '../db/client';
import type { LlmProvider } from '../machines/llm/provider';
import { offlineProvider } from '../machines/llm/offline';
import { openaiProvider } from '../machines/llm/openai';
import { crasher } from '../machines/crash-points';
import { directoryActor } from '../machines/identity';
import { threadOf } from './slack/conversation-key';
import type { AgentDeps } from '../machines/deps';
import { ConversationRunner } from '../machines/runner';
import type { Actor } from '../policies/types';
import { demoDirectory } from '../tools/backends/embedded/demo-directory';
import { loadDirectoryFile } from '../tools/backends/embedded/directory-file';
import { selectBackends } from '../tools/backends/select';
import { seedIfEmpty } from '../tools/backends/embedded/seed';
import { syncDirectoryFile } from './directory/sync';
import type { Backends } from '../tools/backends/types';

export interface Sentinel {
  runner: ConversationRunner;
  database: SentinelDb;
  backends: Backends;
  llm: LlmProvider;
  /** The authenticated id → directory user → role. Unknown or disabled users get guest rights. */
  identify(userId: string): Promise<Actor>;
  /** Fault injection for the crash tests (SENTINEL_CRASH_AT); a no-op otherwise. */
  crash: AgentDeps['crash'];
  close(): Promise<void>;
}

/** The configured LLM provider; the OpenAI one logs each failed attempt to `logger`. */
export function createLlm(config: Config, logger: Logger): LlmProvider {
  return config.llm.provider === 'openai' ? openaiProvider({ ...config.llm, logger }) : offlineProvider;
}

/** Wires the core from configuration: database (migrated, seeded), backends, LLM provider and runner. */
export function createSentinel(
  config: Config,
  logger: Logger,
  overrides: { now?: () => number; llm?: LlmProvider; backends?: (configured: Backends) => Backends; syncToDisk?: () => Promise<void>; leaseMs?: number } = {},
): Sentinel {
  const now = overrides.now ?? Date.now;
  // A bad directory file is configuration to fix (exit 2), found before the database is touched.
  const directoryFile = config.directoryFile ? loadDirectoryFile(config.directoryFile) : null;
  if (directoryFile && !directoryFile.ok) throw new ConfigError(`Invalid configuration:\n  SENTINEL_DIRECTORY: ${directoryFile.problem}`);
  const database = openDatabase(config.dbPath, { busyTimeoutMs: config.dbBusyMs });
  // A directory file is the source of truth and is re-synced on every start; the demo data is seeded once.
  if (config.directoryFile && directoryFile?.ok) syncDirectoryFile(database.db, config.directoryFile, directoryFile.data, now(), logger);
  else seedIfEmpty(database.db, demoDirectory, now());
  // The configured systems (embedded SQLite unless SENTINEL_IDENTITY / SENTINEL_TICKETS / SENTINEL_MDM say otherwise).
  const configured = selectBackends(config.backends, database.db, logger);
  const backends = overrides.backends ? overrides.backends(configured) : configured;
  const llm = overrides.llm ?? createLlm(config, logger);
  const crash = crasher(config.crashAt);
  const runner = new ConversationRunner({
    db: database.db,
    syncToDisk: overrides.syncToDisk ?? (() => database.wal.sync()),
    backends,
    llm,
    policy: config.policy,
    logger,
    now,
    randomId: () => randomBytes(16).toString('hex'),
    historyMessages: config.historyMessages,
    approvalTtlMs: config.approvalTtlMs,
    toolCallsPerHour: config.toolCallsPerHour,
    crash,
    // Slack threads are delivered by the Slack app from the outbox, whichever process settled the turn.
    outboxFor: (conversationId) => threadOf(conversationId) !== null,
    leaseMs: overrides.leaseMs,
  });
  return {
    runner,
    database,
    backends,
    llm,
    identify: (userId) => directoryActor(backends.directory, userId),
    crash,
    async close() {
      await runner.idle();
      database.close();
    },
  };
}
