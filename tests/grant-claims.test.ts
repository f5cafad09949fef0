import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { claimDueRevocations, grantScheduleRows, scheduledGrant } from '../db/grant-schedule';
import { openSentinel, testClock } from './support/harness';

// A process that dies while it revokes a grant leaves the grant claimed: another process on the same host
// takes it over at once (its holder no longer exists), one elsewhere when the claim runs out; a live
// holder's claim is never taken.

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-03T08:00:00Z');

/** The name a process that has exited had on what it held. */
function deadOwner(): string {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return `${hostname()}:${child.pid}:gone`;
}

test('a claim held by a dead process on this host is taken over at once; a live or remote holder keeps it until it runs out', async () => {
  const clock = testClock(T0);
  const s = openSentinel({ now: clock.now });
  try {
    const r = await s.runner.handleMessage('t', await s.identify('sam'), 'give intern read access to vpn for 1 hour');
    const id = r.executed[0]!.output.grant_id as number;
    await s.runner.sweepGrants();
    clock.advance(HOUR);
    const wall = Date.now();
    const claim = (owner: string, at = wall) => claimDueRevocations(s.database.db, owner, clock.now(), at, at + 300_000, 5).map((row) => row.grantId);
    const holdAs = (owner: string, until: number) => s.database.sqlite.prepare('update grant_schedule set claimed_by = ?, claimed_until = ? where grant_id = ?').run(owner, until, id);

    // Another host's process, claim still running: not ours to take, even though it may be dead.
    holdAs('elsewhere:4242:abc', wall + 60_000);
    expect(claim(s.runner.owner)).toEqual([]);
    // Its claim ran out: taken.
    expect(claim(s.runner.owner, wall + 61_000)).toEqual([id]);

    // A live process on this host (this one, under another name): kept.
    holdAs(`${hostname()}:${process.pid}:other`, wall + 60_000);
    expect(claim('someone-else')).toEqual([]);

    // A process on this host that no longer exists: taken at once, and the sweep then revokes it once.
    holdAs(deadOwner(), wall + 60_000);
    expect(await s.runner.sweep()).toEqual({ expiredApprovals: 0, revokedGrants: 1 });
    expect(scheduledGrant(s.database.db, id)).toMatchObject({ revokedAt: T0 + HOUR, claimedBy: null });
    expect(await s.runner.sweep()).toEqual({ expiredApprovals: 0, revokedGrants: 0 });
    expect(grantScheduleRows(s.database.db)).toHaveLength(1);
  } finally {
    await s.close();
  }
});
