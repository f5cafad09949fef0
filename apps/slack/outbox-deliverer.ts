import type { Logger } from 'pino';
import type { Db } from '../../db/client';
import { claimDue, markRetry, markSent, type OutboxRow } from '../../db/outbox';
import type { CrashPoint } from '../../machines/crash-points';
import { ownerIsDead } from '../../machines/process-owner';
import type { Delivered } from './delivery';

export interface DelivererOptions {
  db: Db;
  owner: string;
  deliver: (row: OutboxRow) => Promise<Delivered>;
  logger: Logger;
  /** Wall clock: claims and backoff are about real time passing. */
  clock?: () => number;
  /** How often rows written by other processes are looked for (default 1 s); local turns wake it at once. */
  pollMs?: number;
  /** How long a claimed row is ours before another deliverer may assume we died (longer than any one send). */
  claimMs?: number;
  /** How long a row is retried before it is given up on (default 24 h). */
  giveUpAfterMs?: number;
  crash?: (point: CrashPoint) => void;
  /**
   * Whether another deliverer's claim belongs to a process that is gone, so its rows are taken over at
   * once rather than when the claim runs out (default: a dead process on this host).
   */
  ownerIsDead?: (owner: string) => boolean;
}

const BATCH = 50;
/** Exponential backoff from 1 s, capped at 5 minutes. */
export const backoffMs = (attempts: number) => Math.min(1_000 * 2 ** Math.max(0, attempts - 1), 300_000);

/**
 * Sends what settled turns left in the outbox, in any process's name: rows are claimed (so two app
 * processes never send the same row at once), a thread's rows go out in order, failures are retried
 * with backoff (a Slack `Retry-After` is honoured), and a row whose deliverer died is claimed again once
 * its claim runs out, or at once when that deliverer was a process on this host that no longer exists.
 */
export function outboxDeliverer(opts: DelivererOptions) {
  const clock = opts.clock ?? Date.now;
  const claimMs = opts.claimMs ?? 120_000;
  const giveUpAfterMs = opts.giveUpAfterMs ?? 86_400_000;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  async function deliverThread(rows: OutboxRow[]): Promise<void> {
    for (const [i, row] of rows.entries()) {
      const result = await opts.deliver(row);
      if (result.kind === 'sent') {
        opts.crash?.('delivery_posted');
        markSent(opts.db, row.id, opts.owner, clock());
        continue;
      }
      const now = clock();
      const giveUp = now - row.createdAt > giveUpAfterMs;
      if (giveUp) opts.logger.error({ key: row.key, error: result.error }, 'gave up delivering an outbox item to Slack');
      markRetry(opts.db, row.id, opts.owner, result.error, now + (result.afterMs ?? backoffMs(row.attempts)), giveUp);
      if (result.blocked) {
        // Later items of this thread wait for this one, so the thread reads in order.
        for (const later of rows.slice(i + 1)) markRetry(opts.db, later.id, opts.owner, 'waiting for an earlier item', now + (result.afterMs ?? backoffMs(row.attempts)));
        return;
      }
    }
  }

  async function pump(): Promise<void> {
    do {
      again = false;
      const rows = claimDue(opts.db, opts.owner, clock(), claimMs, BATCH, opts.ownerIsDead ?? ownerIsDead);
      const threads = new Map<string, OutboxRow[]>();
      for (const row of rows) threads.set(row.conversationId, [...(threads.get(row.conversationId) ?? []), row]);
      await Promise.all([...threads.values()].map((t) => deliverThread(t)));
      if (rows.length === BATCH) again = true;
    } while (again && !stopped);
  }

  /** Delivers what is due now; concurrent calls share one run (and ask it to look once more). */
  function wake(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = pump()
      .catch((err: unknown) => opts.logger.error({ err }, 'outbox delivery failed; retrying on the next tick'))
      .finally(() => {
        running = null;
      });
    return running;
  }

  const timer = setInterval(() => void wake(), opts.pollMs ?? 1_000);
  timer.unref();

  return {
    wake,
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
