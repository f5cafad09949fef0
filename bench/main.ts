import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode } from 'gpt-tokenizer';
import { PROPOSER_SYSTEM_PROMPT, proposerUserContent } from '../machines/llm/prompts';
import type { ChatMessage } from '../db/messages';
import { decide } from '../policies/decide';
import { defaultRules } from '../policies/rules';
import { toolDefinitions } from '../tools/registry';
import { langgraphReference } from './langgraph-reference';
import { bytesOnDisk, mb, stats, timed } from './measure';
import { population, writeDirectoryFile } from './population';
import { benchSentinel, SCENARIOS, scriptedLlm, type ScenarioName } from './scenarios';
import { slackLoad, type LoadFigures } from './slack-load';

const QUICK = process.argv.includes('--quick');
const outFlag = process.argv.indexOf('--out');
const OUT = outFlag > 0 ? process.argv[outFlag + 1] : undefined;
const SIZE = QUICK
  ? { warmup: 200, turns: 300, storageTurns: 1_000, storageThreads: 100, liveThreads: 1_000, longThread: 60, slackSeconds: 2, slackThreads: 300 }
  : { warmup: 500, turns: 1_500, storageTurns: 10_000, storageThreads: 1_000, liveThreads: 10_000, longThread: 200, slackSeconds: 10, slackThreads: 1_000 };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-'));
const file = (name: string) => path.join(dir, name);
const people = population(SIZE.liveThreads);
const directoryFile = writeDirectoryFile(dir, people.directory);

const sentinel = (dbPath: string, scenario: () => ScenarioName) => benchSentinel(dbPath, directoryFile, scenario);

/** Untimed turns first (other threads, other people), so the timed ones run on warm code. */
async function sentinelTurns(dbPath: string, scenario: ScenarioName, n: number, threads = 100) {
  const s = sentinel(dbPath, () => scenario);
  const turn = async (thread: string, i: number) => {
    const r = await s.runner.handleMessage(thread, people.employee(i), `bench ${i}`);
    if (scenario === 'approval') await s.runner.decideApproval(r.approvals[0]!.id, people.approver, 'approve');
  };
  await timed(SIZE.warmup, (i) => turn(`warm-${i % threads}`, n + i));
  const flushesBefore = s.database.wal.flushes;
  const samples = await timed(n, (i) => turn(`${scenario}-${i % threads}`, i));
  const flushesPerTurn = (s.database.wal.flushes - flushesBefore) / n;
  await s.close();
  return { samples, flushesPerTurn };
}

async function referenceTurns(scenario: ScenarioName, n: number, tag: string, threads = 100) {
  const ref = langgraphReference({ checkpointFile: file(`lg-${tag}.db`), backendFile: file(`lg-backends-${tag}.db`), directory: people.directory, llm: scriptedLlm(() => scenario) });
  const turn = async (thread: string, i: number) => {
    await ref.message(thread, people.employee(i), `bench ${i}`);
    if (scenario === 'approval') await ref.approve(thread);
  };
  await timed(SIZE.warmup, (i) => turn(`warm-${i % threads}`, n + i));
  const samples = await timed(n, (i) => turn(`${scenario}-${i % threads}`, i));
  ref.close();
  return samples;
}

async function main() {
  const results: Record<string, unknown> = { machine: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${mb(os.totalmem())} MB, Node ${process.version}`, quick: QUICK };
  const rows: string[][] = [];

  // Turn overhead, ours (durable SQLite as shipped) and in memory (what persistence costs), and the reference.
  const turns: Record<string, unknown> = {};
  for (const sc of SCENARIOS) {
    const onFile = await sentinelTurns(file(`turns-${sc}.db`), sc, SIZE.turns);
    const ours = stats(onFile.samples);
    const inMemory = stats((await sentinelTurns(':memory:', sc, SIZE.turns)).samples);
    const ref = stats(await referenceTurns(sc, SIZE.turns, sc));
    const persistenceShare = Math.max(0, 1 - inMemory.median / ours.median);
    turns[sc] = { sentinel: ours, sentinelInMemory: inMemory, persistenceShare, flushesPerTurn: onFile.flushesPerTurn, langgraph: ref, ratio: ref.median / ours.median };
    rows.push([
      `turn: ${sc}${sc === 'approval' ? ' (request + approve)' : ''}`,
      `${ours.median.toFixed(2)} ms (p99 ${ours.p99.toFixed(2)}, ${Math.round(ours.perSecond)}/s)`,
      `LangGraph.js ${ref.median.toFixed(2)} ms (p99 ${ref.p99.toFixed(2)})`,
      `${(ref.median / ours.median).toFixed(1)}× faster; persistence ${Math.round(persistenceShare * 100)}%; ${onFile.flushesPerTurn.toFixed(1)} fsync/turn`,
    ]);
  }
  results.turns = turns;

  // Storage: bytes per turn over many threads, and whether a growing thread stays flat (bytes added per
  // turn over the first and the last fifth of a long thread; whole windows, since files grow by pages).
  {
    const window = SIZE.longThread / 5;
    const longThread = async (turn: (t: number) => Promise<unknown>, bytes: () => number) => {
      const perTurn: number[] = [];
      let last = bytes();
      for (let t = 1; t <= SIZE.longThread; t++) {
        await turn(t);
        if (t % window === 0) {
          const now = bytes();
          perTurn.push((now - last) / window);
          last = now;
        }
      }
      return perTurn;
    };

    const dbPath = file('storage.db');
    const s = sentinel(dbPath, () => 'allowed');
    const ourBytes = () => bytesOnDisk(s.database.sqlite, dbPath);
    const empty = ourBytes();
    for (let i = 0; i < SIZE.storageTurns; i++) await s.runner.handleMessage(`st-${i % SIZE.storageThreads}`, people.employee(i), `storage ${i}`);
    const ours = (ourBytes() - empty) / SIZE.storageTurns;
    const ourLong = await longThread((t) => s.runner.handleMessage('long-thread', people.employee(t), `turn ${t}`), ourBytes);
    await s.close();

    const ref = langgraphReference({ checkpointFile: file('lg-storage.db'), backendFile: file('lg-storage-backends.db'), directory: people.directory, llm: scriptedLlm(() => 'allowed') });
    const refEmpty = ref.checkpointBytes();
    for (let i = 0; i < SIZE.storageTurns; i++) await ref.message(`st-${i % SIZE.storageThreads}`, people.employee(i), `storage ${i}`);
    const refPerTurn = (ref.checkpointBytes() - refEmpty) / SIZE.storageTurns;
    const refLong = await longThread((t) => ref.message('long-thread', people.employee(t), `turn ${t}`), () => ref.checkpointBytes());
    ref.close();

    const ends = (xs: number[]) => `${Math.round(xs[0] ?? NaN)} → ${Math.round(xs[xs.length - 1] ?? NaN)} B/turn`;
    results.storage = { bytesPerTurn: ours, langgraphBytesPerTurn: refPerTurn, longThreadWindow: window, longThreadBytesPerTurn: ourLong, langgraphLongThreadBytesPerTurn: refLong };
    rows.push([`storage per turn (${SIZE.storageTurns} turns, ${SIZE.storageThreads} threads)`, `${Math.round(ours)} B`, `LangGraph.js ${Math.round(refPerTurn)} B`, '']);
    rows.push([
      `storage, one thread of ${SIZE.longThread} turns (turns 1–${window} → last ${window})`,
      ends(ourLong),
      `LangGraph.js ${ends(refLong)}`,
      'flat = the same bytes per turn at the end as at the start',
    ]);
  }

  // Memory: resident set of a fresh process, idle and after many live threads.
  {
    const probe = spawnSync(process.execPath, ['--expose-gc', '-r', 'tsx/cjs', path.join(__dirname, 'rss-probe.ts'), file('memory.db'), directoryFile, String(SIZE.liveThreads)], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
    if (probe.status !== 0) throw new Error(`rss probe failed: ${probe.stderr}`);
    const { idle, loaded } = JSON.parse(probe.stdout) as { idle: number; loaded: number };
    results.memory = { rssIdleMb: mb(idle), rssAfterThreadsMb: mb(loaded), threads: SIZE.liveThreads };
    rows.push([`memory (RSS, fresh process)`, `${mb(idle)} MB idle`, '', `${mb(loaded)} MB after ${SIZE.liveThreads} live threads`]);
  }

  // LLM cost: proposing prompt tokens on turn 1 and turn 20, and whether the static prefix is byte-identical.
  {
    const requester = { id: 'alice', role: 'employee' as const, email: 'alice@example.com', name: 'Alice Anders', devices: ['LAPTOP-ALICE-01'] };
    const history: ChatMessage[] = [];
    for (let t = 1; t < 20; t++) history.push({ role: 'user', content: `my laptop is slow again, turn ${t}`, author: 'alice' }, { role: 'assistant', content: 'LAPTOP-ALICE-01: 182 GB free of 512 GB, battery 93%, compliant.' });
    const prefix = PROPOSER_SYSTEM_PROMPT + JSON.stringify(toolDefinitions);
    const prompt = (h: ChatMessage[]) => encode(prefix).length + encode(proposerUserContent({ requester, history: h, message: 'reset my password', systemIds: ['github', 'vpn', 'aws-prod', 'salesforce'] })).length;
    const prefixAgain = PROPOSER_SYSTEM_PROMPT + JSON.stringify(toolDefinitions);
    results.tokens = { firstTurn: prompt([]), turn20: prompt(history.slice(-20)), staticPrefix: encode(prefix).length, prefixByteIdentical: prefix === prefixAgain };
    rows.push(['proposing prompt (o200k tokens)', `${prompt([])} first turn`, '', `${prompt(history.slice(-20))} at turn 20; static prefix ${encode(prefix).length} tokens, byte-identical: ${prefix === prefixAgain}`]);
  }

  // Policy decision.
  {
    const asker = people.employee(0);
    const device = `LAPTOP-${asker.id.toUpperCase()}`;
    const target = { kind: 'device' as const, id: device, owner: asker.id };
    const n = QUICK ? 20_000 : 200_000;
    const t = performance.now();
    for (let i = 0; i < n; i++) decide(asker, { tool: 'execute_remote_command', args: { device_id: device, command: i % 2 ? 'wipe' : 'lock' } }, { target, rules: defaultRules });
    const perCall = ((performance.now() - t) * 1000) / n;
    results.decide = { microsecondsPerCall: perCall };
    rows.push(['decide()', `${perCall.toFixed(2)} µs per call`, '', '']);
  }

  // Slack: the app as `npm start` runs it, and a bare Bolt app, each in its own process, at steady rates.
  {
    const plan = { rates: [100, 500], secondsPerRate: SIZE.slackSeconds, threads: SIZE.slackThreads, warmupRate: 200, workDir: dir, directoryFile, employee: people.employee };
    const bare = await slackLoad('bare-bolt', plan);
    const ours = await slackLoad('sentinel', plan);
    const errorsOf = (f: LoadFigures) => Object.values(f.errors).reduce((a, b) => a + b, 0);
    results.slack = ours.map((f, i) => ({ rate: f.targetRate, threads: SIZE.slackThreads, sentinel: f, bareBolt: bare[i], ackP99Ratio: f.ackMs.p99 / bare[i]!.ackMs.p99 }));
    ours.forEach((f, i) => {
      const b = bare[i]!;
      rows.push([
        `Slack event → ack at ${f.targetRate}/s (${f.events} events, ${SIZE.slackThreads} threads)`,
        `p50 ${f.ackMs.p50.toFixed(1)} ms, p99 ${f.ackMs.p99.toFixed(1)} ms`,
        `bare Bolt p50 ${b.ackMs.p50.toFixed(1)}, p99 ${b.ackMs.p99.toFixed(1)}`,
        `p99 ${(f.ackMs.p99 / b.ackMs.p99).toFixed(1)}× bare Bolt; errors ${errorsOf(f)} (bare ${errorsOf(b)}); sent at ${Math.round(f.achievedRate)}/s`,
      ]);
      rows.push([`Slack event → reply in thread at ${f.targetRate}/s`, `p50 ${f.replyMs!.p50.toFixed(1)} ms, p99 ${f.replyMs!.p99.toFixed(1)} ms`, '', 'offline planner; a real LLM adds its own latency']);
    });
  }

  const header = ['measure', 'Sentinel', 'reference', 'notes'];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...[header, ...rows].map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  process.stdout.write(`Sentinel benchmark${QUICK ? ' (quick)' : ''} — ${results.machine}\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
  const out = OUT ?? path.join(process.cwd(), 'bench', QUICK ? 'results.quick.json' : 'results.json');
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`results: ${out}\n`);
}

main()
  .catch((err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(dir, { recursive: true, force: true }));
