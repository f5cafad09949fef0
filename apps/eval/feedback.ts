import fs from 'node:fs';
import Database from 'better-sqlite3';

/** What people said of real answers in Slack (the 👍/👎 under each reply), from a Sentinel database. */
export interface RealFeedback {
  db: string;
  up: number;
  down: number;
  /** 👍 / (👍 + 👎), or null with no votes. */
  rate: number | null;
  /** The newest 👎, newest first: what was asked and answered. */
  recentDown: Array<{ at: number; request: string | null; reply: string | null }>;
}

/**
 * Reads the feedback table of `file` (SENTINEL_DB) read-only; null when there is no such database or it
 * predates the table. The eval never writes to it.
 */
export function readRealFeedback(file: string | undefined, last = 5): RealFeedback | null {
  if (!file || file === ':memory:' || !fs.existsSync(file)) return null;
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    return null;
  }
  try {
    const table = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'feedback'").get();
    if (!table) return null;
    const counts = db.prepare("select sum(vote = 'up') up, sum(vote = 'down') down from feedback").get() as { up: number | null; down: number | null };
    const up = counts.up ?? 0;
    const down = counts.down ?? 0;
    const recentDown = db.prepare("select at, request, reply from feedback where vote = 'down' order by at desc limit ?").all(last) as RealFeedback['recentDown'];
    return { db: file, up, down, rate: up + down ? up / (up + down) : null, recentDown };
  } catch {
    return null;
  } finally {
    db.close();
  }
}
