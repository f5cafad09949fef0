/**
 * A steady loop of allowed turns for profiling: `node --cpu-prof -r tsx/cjs bench/profile-turn.ts [db-file]`
 * (default: an in-memory database, which leaves out the fsyncs).
 */
import pino from 'pino';
import { createSentinel } from '../apps/sentinel';
import { loadConfig } from '../config';
import { scriptedLlm } from './scenarios';
(async () => {
  const s = createSentinel(loadConfig({ SENTINEL_DB: process.argv[2] ?? ':memory:', SENTINEL_LLM: 'offline', SENTINEL_TOOL_CALLS_PER_HOUR: '100000' }), pino({ level: 'silent' }), { llm: scriptedLlm(() => 'allowed') });
  const alice = { id: 'alice', role: 'employee' as const };
  for (let i = 0; i < 100; i++) await s.runner.handleMessage(`w-${i % 50}`, alice, 'x');
  const t = performance.now();
  for (let i = 0; i < 1000; i++) await s.runner.handleMessage(`t-${i % 100}`, alice, 'x');
  console.log('ms/turn', ((performance.now() - t) / 1000).toFixed(3));
  await s.close();
})();
