import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './support/processes';

// The benchmark is its own command and its numbers are never asserted (machines here are shared and
// noisy). What is checked: the quick mode runs to the end and produces every figure, as a number.

const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

test('npm run bench -- --quick produces every figure', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-bench-test-')), 'results.json');
  const run = spawnSync(process.execPath, ['-r', 'tsx/cjs', 'bench/main.ts', '--quick', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  expect(run.stderr).not.toMatch(/bench failed/);
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/\| turn: allowed /);
  const r = JSON.parse(fs.readFileSync(out, 'utf8'));

  for (const sc of ['allowed', 'approval', 'denied']) {
    const t = r.turns[sc];
    for (const v of [t.sentinel.median, t.sentinel.p99, t.sentinel.perSecond, t.sentinelInMemory.median, t.langgraph.median, t.langgraph.p99, t.ratio, t.persistenceShare, t.flushesPerTurn]) expect(finite(v)).toBe(true);
  }
  expect(finite(r.storage.bytesPerTurn) && finite(r.storage.langgraphBytesPerTurn)).toBe(true);
  for (const series of [r.storage.longThreadBytesPerTurn, r.storage.langgraphLongThreadBytesPerTurn]) {
    expect(series.length).toBeGreaterThan(1);
    expect(series.every(finite)).toBe(true);
  }
  expect(finite(r.memory.rssIdleMb) && finite(r.memory.rssAfterThreadsMb)).toBe(true);
  expect(finite(r.tokens.firstTurn) && finite(r.tokens.turn20) && finite(r.tokens.staticPrefix)).toBe(true);
  expect(typeof r.tokens.prefixByteIdentical).toBe('boolean');
  expect(finite(r.decide.microsecondsPerCall)).toBe(true);
  expect(r.slack.map((s: { rate: number }) => s.rate)).toEqual([100, 500]);
  for (const s of r.slack) {
    for (const v of [s.sentinel.ackMs.p50, s.sentinel.ackMs.p99, s.sentinel.replyMs.p50, s.sentinel.replyMs.p99, s.bareBolt.ackMs.p50, s.bareBolt.ackMs.p99, s.ackP99Ratio]) expect(finite(v)).toBe(true);
    for (const v of [...Object.values(s.sentinel.errors), ...Object.values(s.bareBolt.errors)]) expect(finite(v)).toBe(true);
  }
}, 300_000);
