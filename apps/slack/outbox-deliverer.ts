import type { Logger } from 'pino';
import type { Db } from '../../db/client';
import { markRetry, settleAndClaim, type OutboxRow } from '../../db/outbox';
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
  /** How many claimed rows may be unfinished at once (default 100): a backlog stays in the table, unclaimed. */
  maxInFlight?: number;
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
 *
 * Each conversation has a lane: its claimed rows, sent one after another. Lanes run side by side, and a
 * claim never waits for other conversations' posts to finish: a wake (a turn settled here) claims on
 * the next tick, together with whatever else settled in the same tick.
 */
export function outboxDeliverer(opts: DelivererOptions) {
  const clock = opts.clock ?? Date.now;
  const claimMs = opts.claimMs ?? 120_000;
  const giveUpAfterMs = opts.giveUpAfterMs ?? 86_400_000;
  const maxInFlight = opts.maxInFlight ?? 2 * BATCH;
  /** conversation → its claimed rows not yet done, in order; the first is being delivered. */
  const lanes = new Map<string, OutboxRow[]>();
  /** Ids of the rows in the lanes: a claim that runs out while its row is still here does not send it twice. */
  const inFlight = new Set<number>();
  /** Rows posted but not yet marked sent: marked with the next claim, in its transaction. */
  let sentIds: number[] = [];
  let scheduled = false;
  /** A claim was wanted while the lanes were full: claim again as they drain. */
  let wanted = false;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  const isIdle = () => !scheduled && lanes.size === 0 && sentIds.length === 0;
  function settleIdle(): void {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
  const whenIdle = () => (isIdle() ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)));

  async function runLane(conversationId: string, lane: OutboxRow[]): Promise<void> {
    try {
      while (lane.length) {
        const row = lane[0]!;
        let result: Delivered;
        try {
          result = await opts.deliver(row);
        } catch (err) {
          // deliver() reports Slack's failures as results; anything thrown is ours. Keep the row and the order.
          opts.logger.error({ err, key: row.key }, 'outbox delivery failed; retrying the thread later');
          result = { kind: 'retry', error: err instanceof Error ? err.message : String(err), blocked: true };
        }
        if (result.kind === 'sent') {
          opts.crash?.('delivery_posted');
          // Until it is marked (on the next tick) the row stays claimed: a crash meanwhile leaves it to a
          // later attempt, which finds this post by its metadata instead of posting again.
          sentIds.push(row.id);
          lane.shift();
          inFlight.delete(row.id);
          schedule();
          continue;
        }
        const now = clock();
        const giveUp = now - row.createdAt > giveUpAfterMs;
        if (giveUp) opts.logger.error({ key: row.key, error: result.error }, 'gave up delivering an outbox item to Slack');
        const at = now + (result.afterMs ?? backoffMs(row.attempts));
        markRetry(opts.db, row.id, opts.owner, result.error, at, giveUp);
        lane.shift();
        inFlight.delete(row.id);
        if (result.blocked) {
          // Later items of this thread wait for this one, so the thread reads in order.
          for (const later of lane.splice(0)) {
            markRetry(opts.db, later.id, opts.owner, 'waiting for an earlier item', at);
            inFlight.delete(later.id);
          }
        }
      }
    } catch (err) {
      // The database refused a mark: the rows left keep their claim and are retried when it runs out.
      opts.logger.error({ err, conversationId }, 'outbox delivery failed; retrying when the claim runs out');
      for (const row of lane.splice(0)) inFlight.delete(row.id);
    } finally {
      lanes.delete(conversationId);
      if (wanted) schedule();
      settleIdle();
    }
  }

  /**
   * Marks what was posted since the last round and claims what is due (as much as the lanes have room
   * for; nothing once stopped), in one transaction, then starts a lane for each new conversation.
   */
  function claim(): void {
    scheduled = false;
    let sent = sentIds;
    sentIds = [];
    try {
      for (;;) {
        const room = stopped ? 0 : maxInFlight - inFlight.size;
        wanted = !stopped && room <= 0;
        const limit = Math.max(0, Math.min(BATCH, room));
        if (!limit && !sent.length) break;
        const rows = settleAndClaim(opts.db, opts.owner, clock(), sent, claimMs, limit, opts.ownerIsDead ?? ownerIsDead);
        sent = [];
        for (const row of rows) {
          // Ours already, and still being delivered: the claim ran out and was renewed, nothing more.
          if (inFlight.has(row.id)) continue;
          inFlight.add(row.id);
          const lane = lanes.get(row.conversationId);
          if (lane) lane.push(row);
          else {
            const fresh = [row];
            lanes.set(row.conversationId, fresh);
            void runLane(row.conversationId, fresh);
          }
        }
        if (rows.length < limit || !limit) break;
      }
    } catch (err) {
      // Nothing of the failed transaction happened: its marks are tried again with the next round.
      sentIds.unshift(...sent);
      opts.logger.error({ err }, 'outbox delivery failed; retrying on the next tick');
      if (sentIds.length && stopped) {
        // No next round comes after a stop: the rows stay claimed, and a later attempt finds the posts.
        opts.logger.warn({ count: sentIds.length }, 'could not mark delivered outbox items as sent; a restart checks Slack before posting them again');
        sentIds = [];
      }
    }
    settleIdle();
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // Turns that settle in the same tick share one claim (one transaction), and so do posts that finish.
    setImmediate(claim);
  }

  /** Delivers what is due now; resolves once nothing is left in flight (concurrent calls share the work). */
  function wake(): Promise<void> {
    if (stopped) return Promise.resolve();
    schedule();
    return whenIdle();
  }

  const timer = setInterval(() => schedule(), opts.pollMs ?? 1_000);
  timer.unref();

  return {
    wake,
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      // No new claims; what is claimed already is finished (or handed back) and marked first.
      await whenIdle();
    },
  };
}
