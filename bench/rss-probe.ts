/**
 * Resident memory of a fresh Sentinel process: idle (database open, directory seeded, nothing asked),
 * then after `threads` conversations have each had a turn. Run by `npm run bench` in its own process so
 * nothing the benchmark did before is counted. Prints one JSON line.
 * Usage: node -r tsx/cjs bench/rss-probe.ts <db> <directory.json> <threads>
 */
import { population } from './population';
import { benchSentinel } from './scenarios';

const settle = async () => {
  global.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  return process.memoryUsage().rss;
};

(async () => {
  const [db, directory, threadsArg] = process.argv.slice(2);
  const threads = Number(threadsArg);
  if (!db || !directory || !(threads > 0)) throw new Error('usage: rss-probe.ts <db> <directory.json> <threads>');
  const people = population(threads);
  const s = benchSentinel(db, directory, () => 'allowed');
  const idle = await settle();
  for (let i = 0; i < threads; i++) await s.runner.handleMessage(`live-${i}`, people.employee(i), 'memory');
  const loaded = await settle();
  await s.close();
  process.stdout.write(`${JSON.stringify({ idle, loaded, threads })}\n`);
})();
