import { hostname } from 'node:os';

const HOST = hostname();

/**
 * A name for this process on what it holds in the shared database (turn leases, outbox claims):
 * `host:pid:nonce`, so another process on the same host can tell whether the holder still exists.
 */
export function processOwnerId(): string {
  return `${HOST}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * True when a holder is a process on this host that no longer exists (it crashed and was restarted):
 * what it held can be taken over at once instead of when its lease or claim runs out. Holders on other
 * hosts are only ever judged by their expiry.
 */
export function ownerIsDead(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== HOST || !pid || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
