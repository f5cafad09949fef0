import type { Logger } from 'pino';
import { ok, type BackendResult } from '../types';
import { detailOf, oktaFailure, oktaUnreachable, type OktaErrorBody } from './errors';

export interface OktaHttpOptions {
  orgUrl: string;
  apiToken: string;
  logger?: Logger;
  /** Per attempt. */
  timeoutMs?: number;
  /** Retries after the first attempt (Okta's SDK default is 2). */
  maxRetries?: number;
  /** The longest Sentinel waits for a rate limit to reset before giving up with `rate_limited`. */
  maxWaitMs?: number;
}

export interface OktaCall {
  /** What a 404 means here, in plain words ("Okta has no user …"). */
  notFound?: string;
}

export interface OktaAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** GET, PUT and DELETE change nothing more when repeated; a POST (reset_password) does: it sends another email. */
const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);
const MAX_PAGES = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long to wait after a 429: until `X-Rate-Limit-Reset` (UTC epoch seconds) by the server's clock
 * (`Date`), plus a second, as Okta's SDK does; else `Retry-After`; null when the headers make no sense
 * (a duplicated reset header, which the SDK also refuses to act on).
 */
export function rateLimitWaitMs(headers: Headers, now = Date.now()): number | null {
  const reset = headers.get('x-rate-limit-reset');
  if (reset !== null) {
    if (reset.includes(',')) return null;
    const resetMs = Number(reset) * 1000;
    const serverNow = Date.parse(headers.get('date') ?? '') || now;
    return Number.isFinite(resetMs) ? Math.max(0, resetMs - serverNow) + 1000 : null;
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(retryAfter);
    return Number.isFinite(at) ? Math.max(0, at - now) : null;
  }
  return 1000;
}

/** The `rel="next"` target of a (possibly joined) `Link` header. */
export function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1]!;
  }
  return null;
}

/**
 * Okta's Management API over global fetch: `Authorization: SSWS <token>`, a timeout per attempt,
 * retries with backoff on 429 (always: the call was not processed) and on 5xx or no answer (only for
 * idempotent methods: a reset_password POST that may have happened is never sent again). Failures come
 * back as coded errors in plain words; the token never leaves the Authorization header.
 */
export class OktaHttp {
  private readonly origin: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;

  constructor(private readonly opts: OktaHttpOptions) {
    this.origin = new URL(opts.orgUrl).origin;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxRetries = opts.maxRetries ?? 2;
    this.maxWaitMs = opts.maxWaitMs ?? 15_000;
  }

  async request<T>(method: string, pathAndQuery: string, call: OktaCall = {}): Promise<BackendResult<OktaAnswer<T | null>>> {
    const url = pathAndQuery.startsWith('http') ? pathAndQuery : `${this.origin}${pathAndQuery}`;
    // The token goes only to the configured org, whatever a Link header says.
    if (new URL(url).origin !== this.origin) return oktaUnreachable(`refused to follow a link off ${this.origin}`);
    const path = new URL(url).pathname;
    let firstRequestId: string | null = null;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        Authorization: `SSWS ${this.opts.apiToken}`,
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'User-Agent': 'sentinel-it-agent',
      };
      if (attempt > 0 && firstRequestId) {
        headers['X-Okta-Retry-For'] = firstRequestId;
        headers['X-Okta-Retry-Count'] = String(attempt);
      }
      let res: Response;
      try {
        res = await fetch(url, { method, headers, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (err) {
        const why = (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (err as Error).message;
        // No answer: a POST may have been processed, so only an idempotent call is sent again.
        if (IDEMPOTENT.has(method) && attempt < this.maxRetries) {
          this.opts.logger?.warn({ okta: { method, path, attempt, why } }, 'Okta did not answer; retrying');
          await sleep(this.backoff(attempt));
          continue;
        }
        this.opts.logger?.warn({ okta: { method, path, attempt, why } }, 'Okta did not answer');
        return oktaUnreachable(`${method} ${path}: ${why}`);
      }
      const requestId = res.headers.get('x-okta-request-id');
      firstRequestId ??= requestId;
      const text = await res.text().catch(() => '');
      if (res.ok) {
        let body: T | null = null;
        if (text) {
          try {
            body = JSON.parse(text) as T;
          } catch {
            return oktaFailure(502, null, requestId);
          }
        }
        return ok({ status: res.status, body, headers: res.headers });
      }
      const errorBody = parseError(text);
      if (res.status === 429 && attempt < this.maxRetries) {
        const wait = rateLimitWaitMs(res.headers);
        if (wait !== null && wait <= this.maxWaitMs) {
          this.opts.logger?.warn({ okta: { method, path, attempt, waitMs: wait, detail: detailOf(429, errorBody, requestId) } }, 'Okta rate limit; waiting for its reset');
          await sleep(wait);
          continue;
        }
      }
      if (res.status >= 500 && IDEMPOTENT.has(method) && attempt < this.maxRetries) {
        this.opts.logger?.warn({ okta: { method, path, attempt, detail: detailOf(res.status, errorBody, requestId) } }, 'Okta failed; retrying');
        await sleep(this.backoff(attempt));
        continue;
      }
      if (res.status !== 404) this.opts.logger?.warn({ okta: { method, path, detail: detailOf(res.status, errorBody, requestId) } }, 'Okta refused a call');
      return oktaFailure(res.status, errorBody, requestId, call.notFound);
    }
  }

  async get<T>(pathAndQuery: string, call?: OktaCall): Promise<BackendResult<T | null>> {
    const r = await this.request<T>('GET', pathAndQuery, call);
    return r.ok ? ok(r.value.body) : r;
  }

  /** Every page of a list, following `Link: <…>; rel="next"` (bounded). */
  async getAll<T>(pathAndQuery: string, call?: OktaCall): Promise<BackendResult<T[]>> {
    const out: T[] = [];
    let next: string | null = pathAndQuery;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const r: BackendResult<OktaAnswer<T[] | null>> = await this.request<T[]>('GET', next, call);
      if (!r.ok) return r;
      out.push(...(r.value.body ?? []));
      next = nextLink(r.value.headers.get('link'));
    }
    return ok(out);
  }

  private backoff(attempt: number): number {
    return Math.min(4000, 250 * 2 ** attempt) + Math.floor(Math.random() * 100);
  }
}

function parseError(text: string): OktaErrorBody | null {
  try {
    const body = JSON.parse(text) as unknown;
    return body && typeof body === 'object' ? (body as OktaErrorBody) : null;
  } catch {
    return null;
  }
}
