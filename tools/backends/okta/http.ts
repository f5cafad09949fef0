import type { Logger } from 'pino';
import { IDEMPOTENT_METHODS, logged, rateLimitResetMs, retryAfterMs, send, type HttpOptions, type HttpRequest } from '../http';
import { ok, type BackendResult } from '../types';
import { oktaDetail, oktaFailure, oktaUnreachable } from './errors';

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
  sleep?: (ms: number) => Promise<void>;
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

const MAX_PAGES = 50;

/**
 * How long Okta says to wait after a 429: until `X-Rate-Limit-Reset` (UTC epoch seconds) by the server's
 * clock (`Date`), plus a second, as Okta's SDK does; else `Retry-After`; null when the headers make no
 * sense (a duplicated reset header, which the SDK also refuses to act on) or say nothing.
 */
export function rateLimitWaitMs(headers: Headers, now = Date.now()): number | null {
  const reset = rateLimitResetMs(headers, now);
  if (reset !== null) return reset === Infinity ? null : reset;
  return retryAfterMs(headers, now);
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
 * Okta's Management API through the adapters' HTTP helper (tools/backends/http.ts):
 * `Authorization: SSWS <token>`, a timeout per attempt, retries with backoff on 429 (always, after
 * `X-Rate-Limit-Reset`: the call was not processed) and on 5xx or no answer (only for idempotent
 * methods: a reset_password POST that may have happened is never sent again), a retry marked with
 * `X-Okta-Retry-For`/`X-Okta-Retry-Count` as Okta asks. Failures come back as coded errors in plain
 * words; the token never leaves the Authorization header.
 */
export class OktaHttp {
  private readonly origin: string;
  private readonly http: HttpOptions;

  constructor(private readonly opts: OktaHttpOptions) {
    this.origin = new URL(opts.orgUrl).origin;
    this.http = {
      backend: 'okta',
      timeoutMs: opts.timeoutMs ?? 10_000,
      maxRetries: opts.maxRetries ?? 2,
      baseDelayMs: 250,
      maxDelayMs: opts.maxWaitMs ?? 15_000,
      rateLimitReset: true,
      retryHeaders: (n, answers): Record<string, string> => {
        const first = answers.map((a) => a.headers.get('x-okta-request-id')).find(Boolean);
        return first ? { 'X-Okta-Retry-For': first, 'X-Okta-Retry-Count': String(n - 1) } : {};
      },
      errorDetail: oktaDetail,
      logger: opts.logger,
      sleep: opts.sleep,
    };
  }

  async request<T>(method: HttpRequest['method'], pathAndQuery: string, call: OktaCall = {}): Promise<BackendResult<OktaAnswer<T | null>>> {
    const url = pathAndQuery.startsWith('http') ? pathAndQuery : `${this.origin}${pathAndQuery}`;
    // The token goes only to the configured org, whatever a Link header says.
    if (new URL(url).origin !== this.origin) return oktaUnreachable(`refused to follow a link off ${this.origin}`);
    const path = new URL(url).pathname;
    const what = `${method} ${path}`;
    const o = await send(this.http, {
      method,
      url,
      headers: { Authorization: `SSWS ${this.opts.apiToken}`, Accept: 'application/json', 'Content-Type': 'application/json', 'User-Agent': 'sentinel-it-agent' },
      // A POST (reset_password) sends another email when repeated: only a 429, which Okta answers before acting, is retried.
      retry: IDEMPOTENT_METHODS.has(method) ? 'read' : 'throttle',
      what,
    });
    if (o.kind === 'timeout') return logged(oktaUnreachable(`${what}: no answer within ${this.http.timeoutMs} ms`), this.opts.logger, what);
    if (o.kind === 'network') return logged(oktaUnreachable(`${what}: ${o.cause}`), this.opts.logger, what);
    const res = o.response;
    if (res.status < 400) {
      // An answer that is not JSON is no answer Sentinel can use.
      if (typeof res.body === 'string') return logged(oktaFailure({ ...res, status: 502, body: null }), this.opts.logger, what);
      return ok({ status: res.status, body: (res.body ?? null) as T | null, headers: res.headers });
    }
    const failure = oktaFailure<OktaAnswer<T | null>>(res, call.notFound);
    // A 404 is often an answer (no such user): the caller decides whether it is worth a line.
    return res.status === 404 ? failure : logged(failure, this.opts.logger, what);
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
}
