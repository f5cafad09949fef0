export type PolicyCommand =
  | { kind: 'help' }
  | { kind: 'check'; file?: string }
  | { kind: 'explain'; as: string; tool: string; args: Record<string, unknown>; policy?: string; json: boolean }
  | { kind: 'replay'; file: string; since: number; json: boolean };

export class UsageError extends Error {}

export const USAGE = `Usage:
  npm run -s policy -- check [FILE]
      validate a policy file (default: SENTINEL_POLICY, else policies/default.yaml); warn about rules that
      can never match and tools no rule names. Exit 1 when the file is invalid.
  npm run -s policy -- explain --as <user> <tool> ['<args JSON>'] [--policy FILE] [--json]
      which rule decides that request by that directory user, the decision, the reason and who would
      approve it (the policy in force, or FILE).
  npm run -s policy -- replay FILE [--since <date|ms>] [--json]
      decide every proposal in the audit log (SENTINEL_DB) since the date again under FILE, and list the
      decisions that would change, with counts per kind of change.

Exit 0 when done, 1 when check finds errors, 2 for usage or configuration errors.`;

function parseSince(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`--since: "${text}" is neither a date (2026-11-23, 2026-11-23T09:00Z) nor milliseconds`);
  return ms;
}

function parseArgsJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`the arguments must be a JSON object, e.g. '{"device_id":"LAPTOP-INTERN-01","command":"lock"}' (got ${text.slice(0, 80)})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError('the arguments must be a JSON object');
  return value as Record<string, unknown>;
}

/** Parses argv after `policy`; throws UsageError naming the problem. */
export function parseArgs(argv: string[]): PolicyCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') return { kind: 'help' };
  const opts: Record<string, string | true> = {};
  const words: string[] = [];
  const takes = new Set(['--as', '--since', '--policy']);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '-h' || a === '--help') return { kind: 'help' };
    if (!a.startsWith('--') || a === '--') {
      if (a !== '--') words.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (flag === '--json') {
      opts[flag] = true;
      continue;
    }
    if (!takes.has(flag)) throw new UsageError(`unknown option ${flag}`);
    const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
    opts[flag] = value;
  }
  const allow = (allowed: string[]) => {
    for (const k of Object.keys(opts)) if (!allowed.includes(k)) throw new UsageError(`${command} takes no ${k}`);
  };
  const str = (k: string) => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
  switch (command) {
    case 'check':
      allow([]);
      if (words.length > 1) throw new UsageError('check takes at most one file');
      return { kind: 'check', file: words[0] };
    case 'explain': {
      allow(['--as', '--policy', '--json']);
      const as = str('--as');
      if (!as) throw new UsageError('explain needs --as <user>');
      if (words.length < 1) throw new UsageError('explain needs a tool name');
      if (words.length > 2) throw new UsageError("explain takes a tool and one JSON object of arguments (quote it: '{\"command\":\"lock\"}')");
      return { kind: 'explain', as, tool: words[0]!, args: words[1] === undefined ? {} : parseArgsJson(words[1]), policy: str('--policy'), json: opts['--json'] === true };
    }
    case 'replay': {
      allow(['--since', '--json']);
      if (words.length !== 1) throw new UsageError('replay needs exactly one policy file');
      const since = str('--since');
      return { kind: 'replay', file: words[0]!, since: since === undefined ? 0 : parseSince(since), json: opts['--json'] === true };
    }
    default:
      throw new UsageError(`unknown command ${command}: say check, explain or replay`);
  }
}
