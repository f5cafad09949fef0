import fs from 'node:fs';
import { ConfigError, loadConfig, loadDotEnv, type Config } from '../../config';
import { openDatabase } from '../../db/client';
import { actionsForBudget } from '../../db/decisions';
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '../../policies/load';
import type { LoadedPolicy } from '../../policies/schema';
import { tools } from '../../tools/registry';
import { createLogger } from '../logger';
import { createSentinel } from '../sentinel';
import { parseArgs, UsageError, USAGE, type PolicyCommand } from './args';
import { check } from './check';
import { explain, explainText } from './explain';
import { readHistory } from './history';
import { replayHistory, replayText } from './replay';

/** `npm run policy -- check | explain | replay`. Exit 0 done, 1 an invalid file (check) or a failure, 2 usage or configuration. */

const say = (text: string) => process.stdout.write(`${text}\n`);

/** A policy file named on the command line: a bad one is a usage error here (exit 2), listed in full. */
function policyArg(file: string): LoadedPolicy {
  const loaded = loadPolicyFile(file, { tools: tools.map((t) => t.name) });
  if (!loaded.ok) throw new UsageError(`invalid policy file:\n  ${loaded.problems.join('\n  ')}\n(npm run policy -- check ${file} lists its problems)`);
  return loaded.policy;
}

async function run(cmd: Exclude<PolicyCommand, { kind: 'help' }>, config: () => Config): Promise<number> {
  if (cmd.kind === 'check') {
    // The file to check is the argument, else the configured one (which may be the invalid file to report).
    const r = check(cmd.file ?? (process.env.SENTINEL_POLICY?.trim() || DEFAULT_POLICY_FILE));
    say(r.out);
    return r.code;
  }
  if (cmd.kind === 'explain') {
    const c = config();
    const policy = cmd.policy ? policyArg(cmd.policy) : c.policy;
    const sentinel = createSentinel(c, createLogger(c.logLevel ?? 'error'));
    try {
      const e = await explain(sentinel, policy, cmd.as, cmd.tool, cmd.args, c.env.SENTINEL_APPROVALS_CHANNEL);
      say(cmd.json ? JSON.stringify(e) : explainText(e));
      return 0;
    } finally {
      await sentinel.close();
    }
  }
  const policy = policyArg(cmd.file);
  const c = config();
  if (!fs.existsSync(c.dbPath)) throw new UsageError(`no database at ${c.dbPath} (set SENTINEL_DB): there is no history to replay`);
  const database = openDatabase(c.dbPath, { busyTimeoutMs: c.dbBusyMs });
  try {
    // What the budgets count, from the longest window before the first replayed proposal on.
    const longest = Math.max(0, ...policy.budgets.map((b) => b.window_minutes * 60_000));
    const past = policy.budgets.length ? actionsForBudget(database.db, '*', cmd.since - longest) : [];
    const report = replayHistory({ proposals: readHistory(database.sqlite, cmd.since), past }, policy, cmd.since);
    say(cmd.json ? JSON.stringify(report) : replayText(report, c.dbPath));
    return 0;
  } finally {
    database.close();
  }
}

async function main(argv: string[]): Promise<number> {
  let cmd: PolicyCommand;
  try {
    cmd = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`policy: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (cmd.kind === 'help') {
    say(USAGE);
    return 0;
  }
  let config: Config | undefined;
  const configured = () => (config ??= loadConfig());
  loadDotEnv();
  try {
    return await run(cmd, configured);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`policy: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`policy: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`policy: failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
