import fs from 'node:fs';
import { once } from 'node:events';
import { ConfigError, loadConfig, loadDotEnv } from '../../config';
import { exportAudit, verifyAudit } from '../../db/audit-verify';
import { openDatabase } from '../../db/client';

const USAGE = `Usage:
  npm run audit -- verify [--head <seq>:<hash>]   check the hash chain; names the first bad entry (exit 1)
  npm run audit -- export [--since <date|ms>] [--out <file>]   JSONL, oldest first (stdout by default)

Reads SENTINEL_DB (default data/sentinel.db).`;

class UsageError extends Error {}

function flags(args: string[], allowed: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i]!;
    const value = args[i + 1];
    if (!allowed.includes(name)) throw new UsageError(`unknown option ${name}`);
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
    out[name] = value;
  }
  return out;
}

function parseSince(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`--since: "${text}" is neither a date (2026-11-23, 2026-11-23T09:00Z) nor milliseconds`);
  return ms;
}

function parseHead(text: string): { seq: number; hash: string } {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (!m) throw new UsageError('--head must be <seq>:<64 hex digits>, as printed by a previous verify');
  return { seq: Number(m[1]), hash: m[2]! };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let file: string;
  let opts: Record<string, string>;
  try {
    if (command !== 'verify' && command !== 'export') throw new UsageError(command ? `unknown command ${command}` : 'say verify or export');
    opts = flags(rest, command === 'verify' ? ['--head'] : ['--since', '--out']);
    loadDotEnv();
    file = loadConfig().dbPath;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`audit: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (!fs.existsSync(file)) {
    process.stderr.write(`audit: no database at ${file} (set SENTINEL_DB)\n`);
    return 2;
  }
  const { sqlite, close } = openDatabase(file);
  try {
    if (command === 'verify') {
      const v = verifyAudit(sqlite, opts['--head'] ? parseHead(opts['--head']) : undefined);
      if (!v.ok) {
        process.stdout.write(`audit log BROKEN at entry ${v.seq}: ${v.problem}. ${v.entries} entries before it are intact.\n`);
        return 1;
      }
      process.stdout.write(`audit log intact: ${v.entries} entries${v.head ? `; head ${v.head.seq}:${v.head.hash} (record it to detect truncation later with --head)` : ''}\n`);
      return 0;
    }
    const since = opts['--since'] ? parseSince(opts['--since']) : 0;
    const out = opts['--out'] ? fs.createWriteStream(opts['--out']) : process.stdout;
    let n = 0;
    for (const line of exportAudit(sqlite, since)) {
      if (!out.write(`${line}\n`)) await once(out, 'drain');
      n++;
    }
    if (out !== process.stdout) await new Promise<void>((resolve, reject) => (out as fs.WriteStream).end((err?: Error | null) => (err ? reject(err) : resolve())));
    process.stderr.write(`audit: exported ${n} entries\n`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`audit: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  } finally {
    close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`audit: ${(err as Error)?.message ?? err}\n`);
    process.exitCode = 1;
  },
);
