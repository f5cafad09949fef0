import { randomBytes } from 'node:crypto';
import readline from 'node:readline';
import { ConfigError, loadConfig, loadDotEnv } from '../../config';
import { createLogger } from '../logger';
import { createSentinel, type Sentinel } from '../sentinel';
import { llmWithLogger } from '../../machines/llm/openai';
import { parseArgs, UsageError, USAGE, type CliCommand } from './args';
import { toJson, toText } from './render';
import { directory } from '../../db/schema';

const newThread = () => `cli-${randomBytes(5).toString('hex')}`;

async function oneShot(s: Sentinel, cmd: Extract<CliCommand, { kind: 'message' | 'decide' }>): Promise<void> {
  const actor = await s.identify(cmd.as);
  const result =
    cmd.kind === 'message'
      ? await s.runner.handleMessage(cmd.thread ?? newThread(), actor, cmd.text)
      : await s.runner.decideApproval(cmd.approvalId, actor, cmd.decision);
  process.stdout.write(`${cmd.json ? toJson(result) : toText(result, { repl: false })}\n`);
}

async function repl(s: Sentinel, start: { as?: string; thread?: string }): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  // The iterator buffers lines, so piped input (scripts, tests) is read whole, not just the first line.
  const lines = rl[Symbol.asyncIterator]();
  const ask = async (prompt: string): Promise<string | null> => {
    process.stdout.write(prompt);
    const next = await lines.next();
    return next.done ? null : String(next.value).trim();
  };
  const users = s.database.db.select().from(directory).all();
  const say = (text: string) => process.stdout.write(`${text}\n`);
  say('Sentinel — IT support, offline-capable. Type /help for commands.');
  let as = start.as;
  while (!as) {
    say(`Who are you? ${users.map((u) => `${u.id} (${u.role})`).join(', ')}`);
    const answer = await ask('persona> ');
    if (answer === null) return void rl.close();
    if (answer) as = answer;
  }
  let actor = await s.identify(as);
  let thread = start.thread ?? newThread();
  say(`You are ${actor.id} (${actor.role}). Thread ${thread}.`);
  const sweeper = setInterval(() => void s.runner.sweep().catch(() => undefined), 60_000);
  try {
    for (;;) {
      const line = await ask(`${actor.id}> `);
      if (line === null || line === '/quit' || line === '/exit') break;
      if (!line) continue;
      const [command, arg] = line.split(/\s+/, 2);
      try {
        if (command === '/help') {
          say('/as <user>  switch persona   /new  new thread   /approve <id>   /deny <id>   /quit');
        } else if (command === '/as' && arg) {
          actor = await s.identify(arg);
          say(`You are ${actor.id} (${actor.role}).`);
        } else if (command === '/new') {
          thread = newThread();
          say(`New thread ${thread}.`);
        } else if ((command === '/approve' || command === '/deny') && arg) {
          const r = await s.runner.decideApproval(arg, actor, command === '/approve' ? 'approve' : 'deny');
          say(`sentinel: ${toText(r, { repl: true })}`);
        } else {
          const r = await s.runner.handleMessage(thread, actor, line);
          say(`sentinel: ${toText(r, { repl: true })}`);
        }
      } catch (err) {
        say(`sentinel: sorry, that failed: ${(err as Error).message}`);
      }
    }
  } finally {
    clearInterval(sweeper);
    rl.close();
  }
}

async function main(argv: string[]): Promise<number> {
  let cmd: CliCommand;
  try {
    cmd = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sentinel: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (cmd.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let sentinel: Sentinel;
  try {
    loadDotEnv();
    const config = loadConfig();
    const logger = createLogger(config.logLevel ?? (cmd.kind === 'repl' ? 'warn' : 'error'));
    sentinel = createSentinel(config, logger, { llm: llmWithLogger(config, logger) });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sentinel: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`sentinel: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    await sentinel.runner.sweep();
    const recovered = await sentinel.runner.recover();
    if (cmd.kind === 'repl') {
      for (const r of recovered) process.stdout.write(`(finished an interrupted request in ${r.thread}) ${r.reply}\n`);
      await repl(sentinel, cmd);
    } else {
      await oneShot(sentinel, cmd);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`sentinel: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await sentinel.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`sentinel: unexpected error: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
