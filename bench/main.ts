import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { encode } from 'gpt-tokenizer';
import { createSentinel } from '../apps/sentinel';
import { loadConfig } from '../config';
import { PROPOSER_SYSTEM_PROMPT, proposerUserContent } from '../machines/llm/prompts';
import type { ChatMessage } from '../db/messages';
import { decide } from '../policies/decide';
import { defaultRules } from '../policies/rules';
import { toolDefinitions } from '../tools/registry';
import { langgraphReference } from './langgraph-reference';
import { mb, stats, timed } from './measure';
import { population, writeDirectoryFile } from './population';
import { SCENARIOS, scriptedLlm, type ScenarioName } from './scenarios';

const QUICK = process.argv.includes('--quick');
const SIZE = QUICK ? { turns: 150, storageTurns: 1_000, storageThreads: 100, liveThreads: 1_000, longThread: 60 } : { turns: 1_500, storageTurns: 10_000, storageThreads: 1_000, liveThreads: 10_000, longThread: 200 };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-'));
const file = (name: string) => path.join(dir, name);
const silent = pino({ level: 'silent' });
const people = population(SIZE.liveThreads);
const directoryFile = writeDirectoryFile(dir, people.directory);

/** Shipped settings throughout (durability, rate limit, history); only the directory and the LLM are the bench's. */
function sentinel(dbPath: string, scenario: () => ScenarioName) {
  const config = loadConfig({ SENTINEL_DB: dbPath, SENTINEL_LLM: 'offline', SENTINEL_DIRECTORY: directoryFile });
  return createSentinel(config, silent, { llm: scriptedLlm(scenario) });
}

/** The database file plus its write-ahead log. */
const sizeOf = (dbPath: string) => [dbPath, `${dbPath}-wal`].filter((f) => fs.existsSync(f)).reduce((n, f) => n + fs.statSync(f).size, 0);

function bytesOnDisk(db: { pragma(s: string): unknown }, dbPath: string): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  return sizeOf(dbPath);
}

async function sentinelTurns(dbPath: string, scenario: ScenarioName, n: number, threads = 100) {
  const s = sentinel(dbPath, () => scenario);
  const samples = await timed(n, async (i) => {
    const r = await s.runner.handleMessage(`${scenario}-${i % threads}`, people.employee(i), `bench ${i}`);
    if (scenario === 'approval') await s.runner.decideApproval(r.approvals[0]!.id, people.approver, 'approve');
  });
  await s.close();
  return samples;
}

async function referenceTurns(scenario: ScenarioName, n: number, tag: string, threads = 100) {
  const ref = langgraphReference({ checkpointFile: file(`lg-${tag}.db`), backendFile: file(`lg-backends-${tag}.db`), directory: people.directory, llm: scriptedLlm(() => scenario) });
  const samples = await timed(n, async (i) => {
    const thread = `${scenario}-${i % threads}`;
    await ref.message(thread, people.employee(i), `bench ${i}`);
    if (scenario === 'approval') await ref.approve(thread);
  });
  ref.close();
  return samples;
}

async function main() {
  const results: Record<string, unknown> = { machine: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${mb(os.totalmem())} MB, Node ${process.version}`, quick: QUICK };
  const rows: string[][] = [];

  // Turn overhead, ours (durable SQLite as shipped) and in memory (what persistence costs), and the reference.
  const turns: Record<string, unknown> = {};
  for (const sc of SCENARIOS) {
    const ours = stats(await sentinelTurns(file(`turns-${sc}.db`), sc, SIZE.turns));
    const inMemory = stats(await sentinelTurns(':memory:', sc, SIZE.turns));
    const ref = stats(await referenceTurns(sc, SIZE.turns, sc));
    const persistenceShare = Math.max(0, 1 - inMemory.median / ours.median);
    turns[sc] = { sentinel: ours, sentinelInMemory: inMemory, persistenceShare, langgraph: ref, ratio: ref.median / ours.median };
    rows.push([`turn: ${sc}`, `${ours.median.toFixed(2)} ms (p99 ${ours.p99.toFixed(2)}, ${Math.round(ours.perSecond)}/s)`, `${ref.median.toFixed(2)} ms (p99 ${ref.p99.toFixed(2)})`, `${(ref.median / ours.median).toFixed(1)}× faster; persistence ${Math.round(persistenceShare * 100)}%`]);
  }
  results.turns = turns;

  // Storage: bytes per turn over many threads, and whether a growing thread stays flat.
  {
    const dbPath = file('storage.db');
    const s = sentinel(dbPath, () => 'allowed');
    const empty = bytesOnDisk(s.database.sqlite, dbPath);
    for (let i = 0; i < SIZE.storageTurns; i++) await s.runner.handleMessage(`st-${i % SIZE.storageThreads}`, people.employee(i), `storage ${i}`);
    const ours = (bytesOnDisk(s.database.sqlite, dbPath) - empty) / SIZE.storageTurns;
    const growth: number[] = [];
    let last = bytesOnDisk(s.database.sqlite, dbPath);
    for (let t = 1; t <= SIZE.longThread; t++) {
      await s.runner.handleMessage('long-thread', people.employee(t), `turn ${t}`);
      if (t % 5 === 0) {
        const now = bytesOnDisk(s.database.sqlite, dbPath);
        growth.push((now - last) / 5);
        last = now;
      }
    }
    await s.close();
    const ref = langgraphReference({ checkpointFile: file('lg-storage.db'), backendFile: file('lg-storage-backends.db'), directory: people.directory, llm: scriptedLlm(() => 'allowed') });
    const refEmpty = sizeOf(file('lg-storage.db'));
    for (let i = 0; i < SIZE.storageTurns; i++) await ref.message(`st-${i % SIZE.storageThreads}`, people.employee(i), `storage ${i}`);
    ref.close(); // closing checkpoints the WAL into the file
    const refBytes = sizeOf(file('lg-storage.db'));
    const firstGrowth = growth[0] ?? 0;
    const lastGrowth = growth[growth.length - 1] ?? 0;
    results.storage = { bytesPerTurn: ours, langgraphBytesPerTurn: (refBytes - refEmpty) / SIZE.storageTurns, longThreadBytesPerTurn: growth };
    rows.push([`storage per turn (${SIZE.storageTurns} turns, ${SIZE.storageThreads} threads)`, `${Math.round(ours)} B`, `${Math.round((refBytes - refEmpty) / SIZE.storageTurns)} B`, `long thread: ${Math.round(firstGrowth)} B/turn at 5 turns, ${Math.round(lastGrowth)} B/turn at ${SIZE.longThread}`]);
  }

  // Memory: resident set idle, and after many live threads.
  {
    global.gc?.();
    const s = sentinel(file('memory.db'), () => 'allowed');
    const idle = process.memoryUsage().rss;
    for (let i = 0; i < SIZE.liveThreads; i++) await s.runner.handleMessage(`m-${i}`, people.employee(i), 'memory');
    global.gc?.();
    const loaded = process.memoryUsage().rss;
    await s.close();
    results.memory = { rssIdleMb: mb(idle), rssAfterThreadsMb: mb(loaded), threads: SIZE.liveThreads };
    rows.push([`memory (RSS)`, `${mb(idle)} MB idle`, '', `${mb(loaded)} MB after ${SIZE.liveThreads} threads`]);
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

  results.slack = { measured: false, reason: 'the Slack load run (100 and 500 events/s vs a bare Bolt app) is not built yet' };
  rows.push(['Slack event → ack / reply', 'not measured yet', '', '']);

  const widths = [0, 1, 2, 3].map((c) => Math.max(...[['measure', 'Sentinel', 'LangGraph.js', 'notes'], ...rows].map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  process.stdout.write(`Sentinel benchmark${QUICK ? ' (quick)' : ''} — ${results.machine}\n${line(['measure', 'Sentinel', 'LangGraph.js', 'notes'])}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
  const out = path.join(process.cwd(), 'bench', QUICK ? 'results.quick.json' : 'results.json');
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`results: ${out}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
