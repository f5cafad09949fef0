import fs from 'node:fs';

/**
 * Makes every commit so far durable, off the event loop, shared by whoever asks at the same time.
 *
 * The connection runs with synchronous=NORMAL: a commit is in the write-ahead log (the OS's page cache)
 * when it returns, so it survives the process dying but not a power cut. Before a side effect that
 * cannot be taken back, the log is flushed with fdatasync on the libuv thread pool, so the event loop
 * (Slack acks, other threads) keeps running meanwhile. Callers that arrive while a flush is under way
 * share the next one (group commit): under load, one flush covers many turns. SQLite's own recovery
 * reads back exactly the log frames that reached the disk, as it would after a synchronous=FULL commit.
 */
export class WalSync {
  /** How many flushes ran: under load, far fewer than the callers that asked. */
  flushes = 0;
  private fd: number | null = null;
  private current: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  /** `walPath` null: an in-memory database, where there is nothing to flush. */
  constructor(private readonly walPath: string | null) {}

  /** Resolves once everything committed before the call is on disk. */
  sync(): Promise<void> {
    if (!this.walPath) return Promise.resolve();
    if (this.next) return this.next;
    if (!this.current) return this.start();
    // The flush under way may have begun before the caller's commit: the one after it covers it.
    this.next = this.current
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        return this.start();
      });
    return this.next;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private start(): Promise<void> {
    const flush = this.flush().finally(() => {
      if (this.current === flush) this.current = null;
    });
    this.current = flush;
    return flush;
  }

  private flush(): Promise<void> {
    if (this.fd === null) {
      try {
        // fdatasync flushes the file, whichever descriptor asks; SQLite keeps the log while it is open.
        this.fd = fs.openSync(this.walPath!, 'r');
      } catch (err) {
        // No log yet: nothing has been committed into one, and checkpoints sync the database file.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve();
        return Promise.reject(err);
      }
    }
    const fd = this.fd;
    this.flushes += 1;
    return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }
}
