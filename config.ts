import fs from 'node:fs';
import { z } from 'zod';
import { ALL_CRASH_POINTS, type CrashPoint } from './machines/crash-points';
import { defaultPolicy, loadPolicyFile } from './policies/load';
import type { LoadedPolicy } from './policies/schema';
import { tools } from './tools/registry';

/** An http(s) base URL, without a trailing slash (loopback test servers are http://127.0.0.1:<port>). */
const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL')
  .transform((u) => u.replace(/\/+$/, ''));

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
  // Backends (tools/backends/CONTRACT.md): embedded SQLite by default, a real system when chosen.
  SENTINEL_IDENTITY: z.enum(['embedded', 'okta']).default('embedded'),
  OKTA_ORG_URL: httpUrl.optional(),
  OKTA_API_TOKEN: z.string().min(1).optional(),
  OKTA_ADMIN_GROUP: z.string().min(1).max(255).default('sentinel-admins'),
  OKTA_ACCESS_GROUP: z
    .string()
    .max(255)
    .refine((t) => t.includes('{system}') && t.includes('{level}'), 'must contain {system} and {level}, e.g. sentinel-{system}-{level}')
    .default('sentinel-{system}-{level}'),
  SENTINEL_TICKETS: z.enum(['embedded', 'jira']).default('embedded'),
  JIRA_BASE_URL: httpUrl.optional(),
  JIRA_EMAIL: z.string().email().optional(),
  JIRA_API_TOKEN: z.string().min(1).optional(),
  JIRA_PROJECT_KEY: z.string().regex(/^[A-Z][A-Z0-9_]{1,9}$/, 'a Jira project key: an uppercase letter, then 1-9 uppercase letters, digits or _ (e.g. IT)').optional(),
  /** The issue type of the tickets Sentinel opens: service-desk projects often have no Task (e.g. "IT Help", "Service Request"). */
  JIRA_ISSUE_TYPE: z.string().max(255).default('Task'),
  SENTINEL_MDM: z.enum(['embedded', 'intune']).default('embedded'),
  INTUNE_TENANT_ID: z.string().min(1).max(255).optional(),
  INTUNE_CLIENT_ID: z.string().min(1).max(255).optional(),
  INTUNE_CLIENT_SECRET: z.string().min(1).optional(),
  GRAPH_API_URL: httpUrl.default('https://graph.microsoft.com/v1.0'),
  GRAPH_LOGIN_URL: httpUrl.default('https://login.microsoftonline.com'),
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
  /** Which system answers for each backend, with its settings (secrets included: never log this). */
  backends: BackendsConfig;
  env: Env;
}

export type OktaConfig = { kind: 'okta'; orgUrl: string; apiToken: string; adminGroup: string; accessGroup: string };
export type JiraConfig = { kind: 'jira'; baseUrl: string; email: string; apiToken: string; projectKey: string; issueType: string };
export type IntuneConfig = { kind: 'intune'; tenantId: string; clientId: string; clientSecret: string; graphApiUrl: string; graphLoginUrl: string };

export interface BackendsConfig {
  identity: { kind: 'embedded' } | OktaConfig;
  tickets: { kind: 'embedded' } | JiraConfig;
  mdm: { kind: 'embedded' } | IntuneConfig;
}

/**
 * The backends configuration; every variable a chosen backend needs and lacks is named (exit 2), not
 * just the first.
 */
function backendsConfig(env: Env): BackendsConfig {
  const missing: string[] = [];
  const need = <K extends keyof Env>(name: K, selector: string): NonNullable<Env[K]> => {
    const v = env[name];
    if (v === undefined) missing.push(`  ${name}: required when ${selector}`);
    return v as NonNullable<Env[K]>;
  };
  const identity: BackendsConfig['identity'] =
    env.SENTINEL_IDENTITY === 'okta'
      ? {
          kind: 'okta',
          orgUrl: need('OKTA_ORG_URL', 'SENTINEL_IDENTITY=okta (your org, e.g. https://acme.okta.com)'),
          apiToken: need('OKTA_API_TOKEN', 'SENTINEL_IDENTITY=okta (an API token, sent as "Authorization: SSWS <token>")'),
          adminGroup: env.OKTA_ADMIN_GROUP,
          accessGroup: env.OKTA_ACCESS_GROUP,
        }
      : { kind: 'embedded' };
  const tickets: BackendsConfig['tickets'] =
    env.SENTINEL_TICKETS === 'jira'
      ? {
          kind: 'jira',
          baseUrl: need('JIRA_BASE_URL', 'SENTINEL_TICKETS=jira (e.g. https://acme.atlassian.net)'),
          email: need('JIRA_EMAIL', 'SENTINEL_TICKETS=jira (the account the API token belongs to)'),
          apiToken: need('JIRA_API_TOKEN', 'SENTINEL_TICKETS=jira'),
          projectKey: need('JIRA_PROJECT_KEY', 'SENTINEL_TICKETS=jira (e.g. IT)'),
          issueType: env.JIRA_ISSUE_TYPE,
        }
      : { kind: 'embedded' };
  const mdm: BackendsConfig['mdm'] =
    env.SENTINEL_MDM === 'intune'
      ? {
          kind: 'intune',
          tenantId: need('INTUNE_TENANT_ID', 'SENTINEL_MDM=intune (the Entra tenant id)'),
          clientId: need('INTUNE_CLIENT_ID', 'SENTINEL_MDM=intune (the app registration\'s client id)'),
          clientSecret: need('INTUNE_CLIENT_SECRET', 'SENTINEL_MDM=intune'),
          graphApiUrl: env.GRAPH_API_URL,
          graphLoginUrl: env.GRAPH_LOGIN_URL,
        }
      : { kind: 'embedded' };
  if (missing.length) throw new ConfigError(`Invalid configuration:\n${missing.join('\n')}`);
  return { identity, tickets, mdm };
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
  const backends = backendsConfig(env);
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
    backends,
    env,
  };
}

/** Reads `.env` from the working directory when there is one; variables already set in the environment win. */
export function loadDotEnv(file = '.env'): void {
  if (fs.existsSync(file)) process.loadEnvFile(file);
}
