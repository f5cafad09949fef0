import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../config';
import { createSentinel, type Sentinel } from '../../apps/sentinel';
import type { LlmProvider } from '../../machines/llm/provider';
import type { Plan, RawCall } from '../../machines/types';
import type { Backends } from '../../tools/backends/types';

export function tempDbPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-test-'));
  return path.join(dir, 'sentinel.db');
}

/** `select count(*) n …` on a database file, read-only (what a test checks after a child process ran). */
export function countRows(dbPath: string, sql: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export const silentLogger = pino({ level: 'silent' });

/** A controllable clock: tests move time instead of waiting. */
export function testClock(start = Date.UTC(2026, 10, 23, 9, 0, 0)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

export const call = (name: string, args: unknown): RawCall => ({ name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });

/** An LLM whose proposals the test dictates, turn by turn; it records what it was asked. */
export function scriptedLlm(plans: Array<Plan | ((message: string) => Plan)> = []) {
  const asked: string[] = [];
  let summaries = 0;
  const provider: LlmProvider = {
    name: 'scripted',
    async propose(req) {
      asked.push(req.message);
      const next = plans.shift();
      if (!next) return { text: 'ok', calls: [] };
      return typeof next === 'function' ? next(req.message) : next;
    },
    async summarize(req) {
      summaries++;
      return `summary of ${req.executed.map((e) => e.tool).join(', ')}`;
    },
  };
  return { provider, asked, plans, summaryCount: () => summaries };
}

export function openSentinel(
  opts: { db?: string; llm?: LlmProvider; now?: () => number; env?: Record<string, string>; backends?: (b: Backends) => Backends; syncToDisk?: () => Promise<void>; leaseMs?: number } = {},
): Sentinel & { dbPath: string } {
  const dbPath = opts.db ?? tempDbPath();
  const config = loadConfig({ SENTINEL_DB: dbPath, SENTINEL_LLM: 'offline', ...opts.env });
  const s = createSentinel(config, silentLogger, { now: opts.now, llm: opts.llm, backends: opts.backends, syncToDisk: opts.syncToDisk, leaseMs: opts.leaseMs });
  return Object.assign(s, { dbPath });
}
