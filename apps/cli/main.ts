import { randomBytes } from 'node:crypto';
import readline from 'node:readline';
import { ConfigError, loadConfig, loadDotEnv } from '../../config';
import { createLogger } from '../logger';
import { createSentinel, type Sentinel } from '../sentinel';
import { parseArgs, UsageError, USAGE, type CliCommand } from './args';
import { toJson, toText } from './render';

/** How many people the persona prompt offers (a real directory has thousands; any email works). */
const PERSONAS_LISTED = 50;

const REPL_HELP = '/as <user>  switch persona   /new  new thread   /approve <id>   /deny <id>   /help   /quit';

const newThread = () => `cli-${randomBytes(5).toString('hex')}`;

/**
 * `--as` and `/as` pick a directory user. A name the directory does not know is a typo, not a guest: the
 * Slack app gives strangers guest rights because Slack vouched for them, but here nobody did.
 */
async function knownUser(s: Sentinel, as: string): Promise<string | null> {
  const found = await s.backends.directory.find(as);
  // A directory that cannot answer says why in plain words ("Okta refused Sentinel's token: …").
  if (!found.ok) return found.error.message;
  if (found.value) return null;
  const listed = await s.backends.directory.listUsers(11);
  const users = listed.ok ? listed.value.map((u) => u.id) : [];
  const shown = users.slice(0, 10).join(', ') + (users.length > 10 ? ', …' : '');
  return `no user "${as}" in the directory. Known users: ${shown || 'none'}. \`npm run cli\` lists them at its persona prompt.`;
}

async function oneShot(s: Sentinel, cmd: Extract<CliCommand, { kind: 'message' | 'decide' }>): Promise<void> {
  // A directory that cannot answer is not a usage error (exit 1), and says why in plain words.
  const found = await s.backends.directory.find(cmd.as);
  if (!found.ok) throw new Error(found.error.message);
  const unknown = await knownUser(s, cmd.as);
  if (unknown) throw new UsageError(`--as: ${unknown}`);
  const actor = await s.identify(cmd.as);
  const result =
    cmd.kind === 'message'
      ? await s.runner.handleMessage(cmd.thread ?? newThread(), actor, cmd.text)
      : await s.runner.decideApproval(cmd.approvalId, actor, cmd.decision);
  process.stdout.write(`${cmd.json ? toJson(result) : toText(result, { repl: false, approver: await approverFor(s, actor.id) })}\n`);
}

/** An admin other than `requester` to name in the "who answers this" hint, if the directory has one. */
async function approverFor(s: Sentinel, requester: string): Promise<string | undefined> {
  const admins = await s.backends.directory.admins();
  return admins.ok ? admins.value.find((a) => a.id !== requester)?.id : undefined;
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
  const listed = await s.backends.directory.listUsers(PERSONAS_LISTED);
  const users = listed.ok ? listed.value : [];
  const say = (text: string) => process.stdout.write(`${text}\n`);
  say('Sentinel — IT support, offline-capable. Type /help for commands.');
  let as = start.as;
  if (as) {
    const unknown = await knownUser(s, as);
    if (unknown) {
      say(unknown);
      as = undefined;
    }
  }
  while (!as) {
    say(`Who are you? ${users.map((u) => `${u.id} (${u.role})`).join(', ')}`);
    const answer = await ask('persona> ');
    if (answer === null || answer === '/quit' || answer === '/exit') return void rl.close();
    if (!answer) continue;
    // Commands are not names: "/help" here would otherwise become a guest called "/help".
    if (answer.startsWith('/')) {
      say(answer === '/help' ? REPL_HELP : `Pick who you are first (${answer} needs a persona). /help lists the commands.`);
      continue;
    }
    const unknown = await knownUser(s, answer);
    if (unknown) say(unknown);
    else as = answer;
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
          say(REPL_HELP);
        } else if ((command === '/as' || command === '/approve' || command === '/deny') && !arg) {
          // Without its argument the line is a slip, not a message for the bot.
          say(`usage: ${command} ${command === '/as' ? '<user>' : '<approval-id>'}`);
        } else if (command === '/as' && arg) {
          const unknown = await knownUser(s, arg);
          if (unknown) {
            say(unknown);
            continue;
          }
          actor = await s.identify(arg);
          say(`You are ${actor.id} (${actor.role}).`);
        } else if (command === '/new') {
          thread = newThread();
          say(`New thread ${thread}.`);
        } else if ((command === '/approve' || command === '/deny') && arg) {
          const r = await s.runner.decideApproval(arg, actor, command === '/approve' ? 'approve' : 'deny');
          say(`sentinel: ${toText(r, { repl: true, approver: await approverFor(s, actor.id) })}`);
        } else {
          const r = await s.runner.handleMessage(thread, actor, line);
          say(`sentinel: ${toText(r, { repl: true, approver: await approverFor(s, actor.id) })}`);
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
    sentinel = createSentinel(config, logger);
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
    return err instanceof UsageError ? 2 : 1;
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
