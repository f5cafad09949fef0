import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openDatabase, type SentinelDb } from '../../db/client';
import { claimDue, enqueueOutbox, outboxRows, type OutboxRow } from '../../db/outbox';
import { transact } from '../../db/transact';
import type { Delivered } from './delivery';
import { outboxDeliverer } from './outbox-deliverer';

const logger = pino({ level: 'silent' });
let database: SentinelDb;
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-outbox-'));
  database = openDatabase(path.join(dir, 'outbox.db'));
});
afterEach(() => {
  database.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const reply = (conversationId: string, n: number) => ({ kind: 'reply' as const, key: `reply:${conversationId}:${n}`, conversationId, body: { text: `${conversationId} #${n}`, approvals: [] } });
const enqueue = (...items: ReturnType<typeof reply>[]) => transact(database.db, () => enqueueOutbox(database.db, items, Date.now()));
const textOf = (row: OutboxRow) => (JSON.parse(row.body) as { text: string }).text;

/** A Slack whose posts finish when the test says so. */
function gatedSlack() {
  const posted: string[] = [];
  const waiting = new Map<string, { resolve: (d: Delivered) => void }>();
  const deliver = (row: OutboxRow) =>
    new Promise<Delivered>((resolve) => {
      waiting.set(textOf(row), {
        resolve: (d) => {
          if (d.kind === 'sent') posted.push(textOf(row));
          resolve(d);
        },
      });
    });
  const finish = async (text: string, d: Delivered = { kind: 'sent' }) => {
    await until(() => waiting.has(text));
    waiting.get(text)!.resolve(d);
    waiting.delete(text);
  };
  return { posted, waiting, deliver, finish };
}

async function until(probe: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('outbox deliverer', () => {
  test('a thread’s rows go out one after another, in order; other threads do not wait for it', async () => {
    const slack = gatedSlack();
    const d = outboxDeliverer({ db: database.db, owner: 'me', deliver: slack.deliver, logger, pollMs: 60_000 });
    enqueue(reply('a', 1), reply('a', 2), reply('b', 1));
    void d.wake();
    await until(() => slack.waiting.has('a #1') && slack.waiting.has('b #1'));
    expect(slack.waiting.has('a #2')).toBe(false);
    // A turn settling while a's first post is still out is claimed at once, not after that post.
    enqueue(reply('c', 1));
    void d.wake();
    await until(() => slack.waiting.has('c #1'));
    await slack.finish('c #1');
    await slack.finish('b #1');
    await slack.finish('a #1');
    await slack.finish('a #2');
    await d.wake();
    expect(slack.posted).toEqual(['c #1', 'b #1', 'a #1', 'a #2']);
    expect(outboxRows(database.db).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    await d.stop();
  });

  test('a row queued behind one in flight in the same thread waits for it, and is held back when it fails', async () => {
    const slack = gatedSlack();
    const d = outboxDeliverer({ db: database.db, owner: 'me', deliver: slack.deliver, logger, pollMs: 60_000 });
    enqueue(reply('a', 1));
    void d.wake();
    await until(() => slack.waiting.has('a #1'));
    enqueue(reply('a', 2));
    void d.wake();
    await new Promise((r) => setTimeout(r, 20));
    expect(slack.waiting.has('a #2')).toBe(false);
    await slack.finish('a #1', { kind: 'retry', error: 'internal_error', blocked: true });
    await d.wake();
    const rows = outboxRows(database.db);
    expect(rows.map((r) => [r.status, r.lastError])).toEqual([
      ['pending', 'internal_error'],
      ['pending', 'waiting for an earlier item'],
    ]);
    expect(rows[1]!.nextAttemptAt).toBe(rows[0]!.nextAttemptAt);
    expect(slack.posted).toEqual([]);
    await d.stop();
  });

  test('a row whose claim ran out while it is still being posted here is not posted twice', async () => {
    const slack = gatedSlack();
    let now = Date.now() + 1_000;
    const d = outboxDeliverer({ db: database.db, owner: 'me', deliver: slack.deliver, logger, pollMs: 60_000, claimMs: 1_000, clock: () => now });
    enqueue(reply('a', 1));
    void d.wake();
    await until(() => slack.waiting.has('a #1'));
    now += 5_000;
    void d.wake();
    await new Promise((r) => setTimeout(r, 20));
    await slack.finish('a #1');
    await d.wake();
    expect(slack.posted).toEqual(['a #1']);
    await d.stop();
  });

  test('turns settling in one tick share one claim; claimed rows never exceed the in-flight bound', async () => {
    const slack = gatedSlack();
    const d = outboxDeliverer({ db: database.db, owner: 'me', deliver: slack.deliver, logger, pollMs: 60_000, maxInFlight: 3 });
    enqueue(...['a', 'b', 'c', 'd', 'e'].map((t) => reply(t, 1)));
    for (let i = 0; i < 5; i++) void d.wake();
    await until(() => slack.waiting.size === 3);
    await new Promise((r) => setTimeout(r, 20));
    expect(outboxRows(database.db).filter((r) => r.status === 'sending')).toHaveLength(3);
    for (const t of ['a', 'b', 'c']) await slack.finish(`${t} #1`);
    await slack.finish('d #1');
    await slack.finish('e #1');
    await d.wake();
    expect(slack.posted).toEqual(['a #1', 'b #1', 'c #1', 'd #1', 'e #1']);
    await d.stop();
  });

  test('claimDue: oldest first, a dead holder’s rows at once, a live holder’s only when its claim ran out', () => {
    const db = database.db;
    enqueue(reply('a', 1), reply('b', 1), reply('c', 1));
    // After the rows were queued (at their own Date.now()): a clock read before could be a millisecond early.
    const now = Date.now();
    expect(claimDue(db, 'live', now, 60_000, 1).map(textOf)).toEqual(['a #1']);
    expect(claimDue(db, 'dead', now, 60_000, 1).map(textOf)).toEqual(['b #1']);
    const isDead = (owner: string) => owner === 'dead';
    expect(claimDue(db, 'me', now, 120_000, 5, isDead).map((r) => [textOf(r), r.attempts])).toEqual([
      ['b #1', 2],
      ['c #1', 1],
    ]);
    expect(claimDue(db, 'me', now + 60_000, 60_000, 5, isDead).map(textOf)).toEqual(['a #1']);
  });
});
