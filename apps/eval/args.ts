import path from 'node:path';

export interface EvalCommand {
  kind: 'run';
  /** The corpus file (absolute). */
  corpus: string;
  llm: 'offline' | 'openai';
  json: boolean;
  /** A directory file to seed instead of the demo directory (for a team's own corpus). */
  directory?: string;
}

export class UsageError extends Error {}

const ROOT = path.join(__dirname, '..', '..');
export const SPLITS = { train: path.join(ROOT, 'eval', 'train.json'), test: path.join(ROOT, 'eval', 'test.json') } as const;

export const USAGE = `Usage:
  npm run eval                                   the held-back split (eval/test.json), offline planner
  npm run eval -- --split train                  the split the planner may learn from
  npm run eval -- --corpus my-phrasings.json     your own corpus (same format, see eval/README.md)
  npm run eval -- --llm openai                   the configured OpenAI-compatible endpoint instead

Options:
  --split train|test     one of the repository's splits (default test)
  --corpus <file>        a corpus file; relative to the current directory
  --llm offline|openai   the planner (default offline; openai reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL)
  --directory <file>     seed this directory file instead of the demo directory (like SENTINEL_DIRECTORY)
  --json                 print the metrics as one JSON object
  -h, --help             this help

Exit code 0 whatever the figures, 2 for a bad corpus, usage or configuration, 1 when the machine fails
or the LLM never answered (every turn ended with the apology).`;

/** Parses argv (after `node main.ts`); throws UsageError naming the problem. */
export function parseArgs(argv: string[], cwd = process.cwd()): EvalCommand | { kind: 'help' } {
  let split: 'train' | 'test' | undefined;
  let corpus: string | undefined;
  let llm: EvalCommand['llm'] = 'offline';
  let json = false;
  let directory: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const take = (): string => {
      if (eq > 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return { kind: 'help' };
      case '--json':
        json = true;
        break;
      case '--split': {
        const v = take();
        if (v !== 'train' && v !== 'test') throw new UsageError(`--split must be train or test, not "${v}"`);
        split = v;
        break;
      }
      case '--corpus':
        corpus = path.resolve(cwd, take());
        break;
      case '--llm': {
        const v = take();
        if (v !== 'offline' && v !== 'openai') throw new UsageError(`--llm must be offline or openai, not "${v}"`);
        llm = v;
        break;
      }
      case '--directory':
        directory = path.resolve(cwd, take());
        break;
      default:
        throw new UsageError(`unknown argument "${a}"`);
    }
  }
  if (split && corpus) throw new UsageError('give --split or --corpus, not both');
  return { kind: 'run', corpus: corpus ?? SPLITS[split ?? 'test'], llm, json, directory };
}
