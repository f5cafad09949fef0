import fs from 'node:fs';

/** Small timing helpers: numbers are printed, never asserted (machines are shared and noisy). */
export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const total = s.reduce((a, b) => a + b, 0);
  return { n: s.length, median: percentile(s, 0.5), p99: percentile(s, 0.99), perSecond: s.length / (total / 1000) };
}

export async function timed(n: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run(i);
    out.push(performance.now() - t);
  }
  return out;
}

export const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/** A SQLite file's size with its write-ahead log folded in first (0 before it exists). */
export function bytesOnDisk(db: { pragma(s: string): unknown }, dbPath: string): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  return [dbPath, `${dbPath}-wal`].filter((f) => fs.existsSync(f)).reduce((n, f) => n + fs.statSync(f).size, 0);
}
