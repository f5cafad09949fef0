/**
 * A steady loop of allowed turns for profiling: `node --cpu-prof -r tsx/cjs bench/profile-turn.ts [db-file]`
 * (default: an in-memory database, which leaves out the disk).
 */
import fs from 'node:fs';
import os from 'node:os';
import { population, writeDirectoryFile } from './population';
import { benchSentinel } from './scenarios';

(async () => {
  const people = population(10_000);
  const directory = writeDirectoryFile(fs.mkdtempSync(`${os.tmpdir()}/sentinel-profile-`), people.directory);
  const s = benchSentinel(process.argv[2] ?? ':memory:', directory, () => 'allowed');
  for (let i = 0; i < 100; i++) await s.runner.handleMessage(`w-${i % 50}`, people.employee(i), 'x');
  const t = performance.now();
  const turns = Number(process.env.TURNS ?? 1000);
  for (let i = 0; i < turns; i++) await s.runner.handleMessage(`t-${i % 100}`, people.employee(100 + i), 'x');
  console.log('ms/turn', ((performance.now() - t) / turns).toFixed(3));
  await s.close();
})();
