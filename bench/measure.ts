/** Small timing helpers: numbers are printed, never asserted (machines are shared and noisy). */
export function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  const total = s.reduce((a, b) => a + b, 0);
  return { n: s.length, median: at(0.5), p99: at(0.99), perSecond: s.length / (total / 1000) };
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
