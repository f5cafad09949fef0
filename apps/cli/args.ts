export type CliCommand =
  | { kind: 'help' }
  | { kind: 'repl'; as?: string; thread?: string }
  | { kind: 'message'; as: string; thread?: string; json: boolean; text: string }
  | { kind: 'decide'; as: string; json: boolean; decision: 'approve' | 'deny'; approvalId: string };

export class UsageError extends Error {}

export const USAGE = `Usage:
  npm run cli                                   interactive chat (pick a persona, answer approvals)
  npm run -s cli -- --as <user> [--thread <id>] [--json] "<message>"
  npm run -s cli -- --as <user> [--json] --approve <approval-id>
  npm run -s cli -- --as <user> [--json] --deny <approval-id>

Options:
  --as <user>        act as this directory user (demo: intern, alice, cto, sam, guest)
  --thread <id>      continue a conversation (printed after every reply)
  --json             print exactly one JSON object
  --approve <id>     approve (or confirm) a pending request
  --deny <id>        deny (or withdraw) a pending request
  -h, --help         this help`;

/** Parses argv (after `node main.ts`); throws UsageError with a message naming the problem. */
export function parseArgs(argv: string[]): CliCommand {
  const opts: { as?: string; thread?: string; json: boolean; approve?: string; deny?: string } = { json: false };
  const words: string[] = [];
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const take = () => {
      if (inline !== undefined) return inline;
      const v = value(i, flag);
      i++;
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return { kind: 'help' };
      case '--as':
        opts.as = take().trim();
        break;
      case '--thread':
        opts.thread = take().trim();
        break;
      case '--json':
        opts.json = true;
        break;
      case '--approve':
        opts.approve = take().trim();
        break;
      case '--deny':
        opts.deny = take().trim();
        break;
      case '--':
        words.push(...argv.slice(i + 1));
        i = argv.length;
        break;
      default:
        if (flag.startsWith('--')) throw new UsageError(`unknown option ${flag}`);
        words.push(a);
    }
  }
  if (opts.as !== undefined && !/^[A-Za-z0-9._@+-]{1,254}$/.test(opts.as)) throw new UsageError('--as must be a user id or email');
  if (opts.thread !== undefined && !/^[A-Za-z0-9._:#/-]{1,200}$/.test(opts.thread)) {
    throw new UsageError('--thread must be 1-200 characters of letters, digits and . _ : # / -');
  }
  if (opts.approve !== undefined && opts.deny !== undefined) throw new UsageError('use either --approve or --deny, not both');
  const approvalId = opts.approve ?? opts.deny;
  if (approvalId !== undefined) {
    if (!opts.as) throw new UsageError(`${opts.approve ? '--approve' : '--deny'} needs --as <user>`);
    if (words.length) throw new UsageError('--approve/--deny take no message');
    return { kind: 'decide', as: opts.as, json: opts.json, decision: opts.approve !== undefined ? 'approve' : 'deny', approvalId };
  }
  const text = words.join(' ');
  if (!text) {
    if (opts.json) throw new UsageError('--json needs a message (or --approve/--deny)');
    return { kind: 'repl', as: opts.as, thread: opts.thread };
  }
  if (!opts.as) throw new UsageError('a message needs --as <user>');
  return { kind: 'message', as: opts.as, thread: opts.thread, json: opts.json, text };
}
