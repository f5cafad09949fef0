import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
// A scratch working directory, so a developer's own .env cannot change what a test runs.
const SCRATCH = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-proc-'));
const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' });

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the app's entry points (e.g. `apps/cli/main.ts`) to completion with only `env` set. */
export function runEntry(entry: string, args: string[], env: Record<string, string>, input?: string): Finished {
  const r = spawnSync(TSX, [path.join(ROOT, entry), ...args], { cwd: SCRATCH, encoding: 'utf8', input, env: { ...baseEnv(), ...env }, timeout: 60_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts an entry point in the background, collecting its stderr. */
export function startEntry(entry: string, env: Record<string, string>): { child: ChildProcessWithoutNullStreams; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(TSX, [path.join(ROOT, entry)], { cwd: SCRATCH, env: { ...baseEnv(), ...env } });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, stderr: () => err, exited };
}

/** Like runEntry, without blocking this process's event loop (its own timers keep running meanwhile). */
export function runEntryAsync(entry: string, args: string[], env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [path.join(ROOT, entry), ...args], { cwd: SCRATCH, env: { ...baseEnv(), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
