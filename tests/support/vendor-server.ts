import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// What the loopback vendor servers (Jira, Graph, Okta) share: a server on 127.0.0.1 that records every
// request and answers with injected failures before (or after) doing the work. Each vendor's routes,
// error bodies and headers stay in its own file.

/** A request as a loopback vendor server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
  at: number;
}

/** A failure to answer matching requests with, `times` times (default 1). */
export interface InjectedFailure {
  method?: string;
  /** Matched against the request's path (no query). */
  path?: RegExp;
  /** HTTP status to answer with; omit for a slow but otherwise normal answer. */
  status?: number;
  /** Answer only after this long. */
  delayMs?: number;
  /** Do the work first, then answer late or with the failure: the response is "lost". */
  afterProcessing?: boolean;
  /** How many matching requests it applies to (default 1; Infinity for all). */
  times?: number;
}

/** Injected failures in the order they were added; each is used up after `times` matching requests. */
export class FailureQueue<F extends Pick<InjectedFailure, 'method' | 'path' | 'times'>> {
  private readonly queue: Array<F & { left: number }> = [];

  add(f: F): void {
    this.queue.push({ ...f, left: f.times ?? 1 });
  }

  clear(): void {
    this.queue.length = 0;
  }

  /** The first failure for this request, counted as used. */
  take(method: string, path: string): F | undefined {
    const i = this.queue.findIndex((f) => (!f.method || f.method === method) && (!f.path || f.path.test(path)));
    if (i < 0) return undefined;
    const f = this.queue[i]!;
    if (--f.left <= 0) this.queue.splice(i, 1);
    return f;
  }
}

/** A JSON answer (none for `undefined`), unless the connection is already gone. */
export function sendJson(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}, contentType = 'application/json'): void {
  if (res.destroyed) return;
  const text = payload === undefined ? '' : JSON.stringify(payload);
  res.writeHead(status, { ...(text ? { 'Content-Type': contentType } : {}), ...headers });
  res.end(text);
}

/**
 * A vendor API on 127.0.0.1: subclasses parse bodies, route requests and write their vendor's error
 * bodies; this records requests and plays injected failures (before the work, or after it when
 * `afterProcessing`: the work is done, the client never learns it).
 */
export abstract class LoopbackVendor<F extends InjectedFailure = InjectedFailure> {
  readonly requests: RecordedRequest[] = [];
  private readonly failures = new FailureQueue<F>();
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  protected constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  protected async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  fail(f: F): void {
    this.failures.add(f);
  }

  /** Forget every injected failure not yet used. */
  clearFailures(): void {
    this.failures.clear();
  }

  /** Requests of one kind, e.g. `calls('POST', /\/issue$/)`. */
  calls(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  /** The request body as the vendor reads it (JSON, a form…). */
  protected abstract parseBody(rawBody: string, req: http.IncomingMessage): unknown;
  /** The vendor's answer: status, body, headers. */
  protected abstract route(r: RecordedRequest, url: URL): [number, unknown, Record<string, string>?];
  /** An injected failure in the vendor's own error shape. */
  protected abstract sendFailure(res: http.ServerResponse, f: F): void;
  /** Writes a routed answer. */
  protected abstract send(res: http.ServerResponse, status: number, payload: unknown, headers?: Record<string, string>): void;

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.origin);
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: rawBody ? this.parseBody(rawBody, req) : undefined,
      rawBody,
      at: Date.now(),
    };
    this.requests.push(rec);

    const failure = this.failures.take(rec.method, rec.path);
    const pause = () => (failure?.delayMs ? new Promise((r) => setTimeout(r, failure.delayMs).unref()) : Promise.resolve());
    if (!failure?.afterProcessing) {
      await pause();
      if (failure?.status) return this.sendFailure(res, failure);
    }
    const [status, payload, headers] = this.route(rec, url);
    if (failure?.afterProcessing) {
      // The work is done; the answer comes late, or is an error: the client cannot know it worked.
      await pause();
      if (failure.status) return this.sendFailure(res, failure);
    }
    this.send(res, status, payload, headers);
  }
}
