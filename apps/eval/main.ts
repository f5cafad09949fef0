import path from 'node:path';
import { ConfigError, loadConfig, loadDotEnv } from '../../config';
import { createLogger } from '../logger';
import { parseArgs, UsageError, USAGE, type EvalCommand } from './args';
import { CorpusError, readCorpus } from './corpus';
import { readRealFeedback } from './feedback';
import { renderReport } from './report';
import { runCorpus } from './run';
import { score } from './score';

let realDb: string | undefined;

// `npm run eval`: the labelled corpus through the real machine, scored. A measurement: exit 0 whatever
// the figures; 2 for a bad corpus, usage or configuration; 1 when the machine fails.

function configFor(cmd: EvalCommand) {
  loadDotEnv();
  // Sentinel's own database (not the run's): the 👍/👎 people gave real answers, for the report.
  realDb = process.env.SENTINEL_DB;
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The run owns its databases, planner, directory and limits, whatever a developer's .env says.
  delete env.SENTINEL_DIRECTORY;
  delete env.SENTINEL_CRASH_AT;
  env.SENTINEL_DB = 'unused-the-run-picks-a-file-per-case.db';
  env.SENTINEL_LLM = cmd.llm;
  env.SENTINEL_TOOL_CALLS_PER_HOUR = '100000';
  if (cmd.directory) env.SENTINEL_DIRECTORY = cmd.directory;
  return loadConfig(env);
}

const shown = (file: string) => {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
};

async function main(argv: string[]): Promise<number> {
  let cmd: ReturnType<typeof parseArgs>;
  try {
    cmd = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`eval: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (cmd.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let config;
  try {
    config = configFor(cmd);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`eval: ${err.message}\n`);
    return 2;
  }
  const logger = createLogger(config.logLevel ?? 'error');
  try {
    const corpus = readCorpus(cmd.corpus);
    const progress = !cmd.json && process.stderr.isTTY;
    const run = await runCorpus(corpus, {
      config,
      logger,
      onCase: progress ? (done, total) => process.stderr.write(`\r${done}/${total} cases${done === total ? '\n' : ''}`) : undefined,
    });
    const metrics = score(run.records, run.owners);
    if (metrics.turns > 0 && metrics.apologies === metrics.turns) {
      process.stderr.write(`eval: every turn ended with the LLM apology: the ${run.llm} provider never answered (see the log above), so nothing was measured\n`);
      return 1;
    }
    const meta = { corpus: shown(cmd.corpus), llm: run.llm };
    const feedback = readRealFeedback(realDb ?? 'data/sentinel.db');
    process.stdout.write(cmd.json ? `${JSON.stringify({ ...meta, ...metrics, ...(feedback ? { feedback } : {}) })}\n` : `${renderReport(metrics, meta, feedback)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof CorpusError) {
      process.stderr.write(`eval: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`eval: the machine failed: ${(err as Error)?.stack ?? err}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`eval: unexpected error: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
