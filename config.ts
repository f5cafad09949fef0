import fs from 'node:fs';
import { z } from 'zod';
import { ALL_CRASH_POINTS, type CrashPoint } from './machines/crash-points';
import { defaultPolicy, loadPolicyFile } from './policies/load';
import type { LoadedPolicy } from './policies/schema';
import { tools } from './tools/registry';

/** Every variable Sentinel reads, parsed once at startup. `.env.example` lists the same names. */
const EnvSchema = z.object({
  SENTINEL_DB: z.string().min(1).default('data/sentinel.db'),
  SENTINEL_DB_BUSY_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  SENTINEL_LLM: z.enum(['offline', 'openai']).optional(),
  SENTINEL_DIRECTORY: z.string().min(1).optional(),
  /** Policy file (YAML or JSON); unset = policies/default.yaml. */
  SENTINEL_POLICY: z.string().min(1).optional(),
  SENTINEL_HISTORY_MESSAGES: z.coerce.number().int().min(0).max(200).default(20),
  SENTINEL_APPROVAL_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(24),
  SENTINEL_APPROVALS_CHANNEL: z.string().min(1).optional(),
  SENTINEL_TOOL_CALLS_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(30),
  /** Test-only fault injection: `<point>` or `<point>:<n>` (machines/crash-points.ts). */
  SENTINEL_CRASH_AT: z
    .string()
    .regex(new RegExp(`^(${ALL_CRASH_POINTS.join('|')})(:[1-9][0-9]*)?$`), `must be one of ${ALL_CRASH_POINTS.join(', ')}, optionally :<n>`)
    .optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  // 20 s × 2 attempts + 1 s backoff = at most 41 s before the apology (llmCallBoundMs in machines/llm/openai.ts).
  OPENAI_TIMEOUT_MS: z.coerce.number().int().positive().max(600_000).default(20_000),
  OPENAI_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  SLACK_BOT_TOKEN: z.string().optional(),
  SLACK_APP_TOKEN: z.string().optional(),
  SLACK_API_URL: z.string().url().optional(),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  dbPath: string;
  /** How long a write waits for another writer (another process on the same file) before failing. */
  dbBusyMs: number;
  llm: { provider: 'offline' } | { provider: 'openai'; apiKey: string; baseURL?: string; model: string; timeoutMs: number; maxRetries: number };
  directoryFile?: string;
  /** The policy that decides (SENTINEL_POLICY, else policies/default.yaml), validated, with its file's hash. */
  policy: LoadedPolicy;
  historyMessages: number;
  approvalTtlMs: number;
  toolCallsPerHour: number;
  crashAt?: { point: CrashPoint; nth: number };
  logLevel?: Env['LOG_LEVEL'];
  env: Env;
}

export class ConfigError extends Error {}

/** `<point>[:<n>]`, already checked by the schema. */
function crashAt(text: string): { point: CrashPoint; nth: number } {
  const [point, nth] = text.split(':');
  return { point: point as CrashPoint, nth: Number(nth ?? 1) };
}

/** Empty strings count as unset: `.env` files are full of `KEY=`. */
function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') out[k] = v.trim();
  return out;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(withoutBlanks(source));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const provider = env.SENTINEL_LLM ?? (env.OPENAI_API_KEY ? 'openai' : 'offline');
  let llm: Config['llm'];
  if (provider === 'openai') {
    if (!env.OPENAI_API_KEY) {
      throw new ConfigError(
        'Invalid configuration:\n  OPENAI_API_KEY: required when SENTINEL_LLM=openai (any non-empty value for a local server such as Ollama)',
      );
    }
    llm = {
      provider,
      apiKey: env.OPENAI_API_KEY,
      baseURL: env.OPENAI_BASE_URL,
      model: env.OPENAI_MODEL,
      timeoutMs: env.OPENAI_TIMEOUT_MS,
      maxRetries: env.OPENAI_MAX_RETRIES,
    };
  } else {
    llm = { provider: 'offline' };
  }
  // A bad policy file stops the program like any bad setting: the file, the rule and the field named (exit 2).
  let policy = defaultPolicy();
  if (env.SENTINEL_POLICY) {
    const loaded = loadPolicyFile(env.SENTINEL_POLICY, { tools: tools.map((t) => t.name) });
    if (!loaded.ok) throw new ConfigError(`Invalid configuration:\n${loaded.problems.map((p) => `  SENTINEL_POLICY: ${p}`).join('\n')}`);
    policy = loaded.policy;
  }
  return {
    dbPath: env.SENTINEL_DB,
    dbBusyMs: env.SENTINEL_DB_BUSY_MS,
    llm,
    directoryFile: env.SENTINEL_DIRECTORY,
    policy,
    historyMessages: env.SENTINEL_HISTORY_MESSAGES,
    approvalTtlMs: env.SENTINEL_APPROVAL_TTL_HOURS * 3_600_000,
    toolCallsPerHour: env.SENTINEL_TOOL_CALLS_PER_HOUR,
    crashAt: env.SENTINEL_CRASH_AT ? crashAt(env.SENTINEL_CRASH_AT) : undefined,
    logLevel: env.LOG_LEVEL,
    env,
  };
}

/** Reads `.env` from the working directory when there is one; variables already set in the environment win. */
export function loadDotEnv(file = '.env'): void {
  if (fs.existsSync(file)) process.loadEnvFile(file);
}
