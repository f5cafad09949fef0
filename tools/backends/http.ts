import type { Logger } from 'pino';
import { fail, type BackendResult } from './types';

// One HTTP exchange with a vendor API, as every adapter (Okta, Jira, Intune) needs it and with nothing
// vendor-specific: a timeout per attempt (to the last byte of the body), retries with backoff for calls
// that are safe to repeat, `Retry-After` honoured (and `X-Rate-Limit-Reset`, Okta's, when asked for), no
// redirect followed (a token never goes anywhere it was not sent), and one warn line per failed attempt
// that never carries a header or a body. What stays in each adapter: its auth header, how it reads its
// error bodies, and its words (`FailureWords`).

export interface HttpOptions {
  /** Which backend, for log lines and errors ('okta', 'jira', 'intune'). */
  backend: string;
  /** Per attempt, to the last byte of the answer. */
  timeoutMs: number;
  /** Further attempts after the first, for calls that may be repeated. */
  maxRetries: number;
  /** First backoff; doubles per attempt, capped at `maxDelayMs`. */
  baseDelayMs: number;
  /** Longest wait between attempts, a vendor's own (`Retry-After`) included: a longer one gives up instead. */
  maxDelayMs: number;
  /**
   * A 429 says when to try again in `X-Rate-Limit-Reset` (UTC epoch seconds, read by the answer's `Date`,
   * plus a second, as Okta's SDK does). A duplicated reset header is not acted on: the call gives up.
   */
  rateLimitReset?: boolean;
  /** Extra headers for attempt `n` (≥ 2), given the answers so far (Okta: `X-Okta-Retry-For`/`-Count`). */
  retryHeaders?: (n: number, answers: readonly HttpResponse[]) => Record<string, string>;
  /** The vendor's error code and request id from a failed answer, for log lines (never data, never a secret). */
  errorDetail?: (response: HttpResponse) => string;
  logger?: Pick<Logger, 'warn' | 'info' | 'debug'>;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_HTTP: Omit<HttpOptions, 'backend'> = { timeoutMs: 10_000, maxRetries: 2, baseDelayMs: 500, maxDelayMs: 10_000 };

/** GET, PUT and DELETE change nothing more when repeated; a POST may (an email, an issue, a wipe). */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'PUT', 'DELETE']);

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * Which failures may be retried here: `read` (idempotent: timeouts, lost connections, 429 and 5xx),
   * `throttle` (only 429, which the vendor answers before doing anything), `never` (the caller does its
   * own idempotency lookup before any second attempt).
   */
  retry: 'read' | 'throttle' | 'never';
  /** For log lines: what the call is, without secrets ("search for the idempotency label"). */
  what: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the text when it is not JSON, or undefined when empty. */
  body: unknown;
}

/**
 * A response (any status), or a failure to get one: `timeout` (no full answer in time: the vendor may
 * have acted) or `network` (could not connect, or the connection broke).
 */
export type HttpOutcome = { kind: 'response'; response: HttpResponse } | { kind: 'timeout' } | { kind: 'network'; cause: string };

const sleeper = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `Retry-After` (seconds or an HTTP date) as milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const v = headers.get('retry-after');
  if (v === null || v.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.ceil(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * `X-Rate-Limit-Reset` (UTC epoch seconds) as milliseconds from now by the server's clock (`Date`), plus
 * a second; null when absent; Infinity when it makes no sense (duplicated, as Okta's SDK refuses too).
 */
export function rateLimitResetMs(headers: Headers, now = Date.now()): number | null {
  const reset = headers.get('x-rate-limit-reset');
  if (reset === null) return null;
  const resetMs = Number(reset) * 1000;
  if (reset.includes(',') || reset.trim() === '' || !Number.isFinite(resetMs)) return Infinity;
  const serverNow = Date.parse(headers.get('date') ?? '') || now;
  return Math.max(0, resetMs - serverNow) + 1000;
}

/** How long the vendor said to wait before trying again; null when it did not say. */
export function toldWaitMs(r: HttpResponse, opts: Pick<HttpOptions, 'rateLimitReset'>, now = Date.now()): number | null {
  // Okta sends its reset header on every answer: it is about the rate limit, so only a 429 heeds it.
  if (opts.rateLimitReset && r.status === 429) {
    const reset = rateLimitResetMs(r.headers, now);
    if (reset !== null) return reset;
  }
  return retryAfterMs(r.headers, now);
}

const retryable = (o: HttpOutcome, mode: HttpRequest['retry']): boolean => {
  if (mode === 'never') return false;
  if (o.kind !== 'response') return mode === 'read';
  if (o.response.status === 429) return true;
  return mode === 'read' && o.response.status >= 500;
};

/**
 * How long to wait before attempt `n + 1` (n ≥ 1): what the vendor said (`Retry-After`, or Okta's reset
 * header), else exponential backoff with jitter. A wait above `maxDelayMs` means: give up.
 */
export function backoffMs(o: HttpOutcome, n: number, opts: Pick<HttpOptions, 'baseDelayMs' | 'maxDelayMs' | 'rateLimitReset'>): number {
  const told = o.kind === 'response' ? toldWaitMs(o.response, opts) : null;
  if (told !== null) return told;
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (n - 1));
  return Math.round(exp * (0.75 + Math.random() * 0.25));
}

/** The path of a URL without its query, for log lines (queries can hold people's emails). */
const pathOf = (url: string) => {
  try {
    return new URL(url).pathname;
  } catch {
    return '?';
  }
};

async function attempt(req: HttpRequest, headers: Record<string, string>, timeoutMs: number): Promise<HttpOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(req.url, { method: req.method, headers, body: req.body, signal, redirect: 'error' });
    const text = await res.text();
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { kind: 'response', response: { status: res.status, headers: res.headers, body } };
  } catch (err) {
    if (signal.aborted) return { kind: 'timeout' };
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { kind: 'network', cause: e.cause?.code ?? e.cause?.message ?? e.message };
  }
}

export const describeOutcome = (o: HttpOutcome) =>
  o.kind === 'response' ? `HTTP ${o.response.status}` : o.kind === 'timeout' ? 'timed out' : `connection failed (${o.cause})`;

/**
 * Sends `req`, retrying what `req.retry` allows. Returns the last outcome: the caller turns a status
 * into its coded error (`codedFailure`). Never throws.
 */
export async function send(opts: HttpOptions, req: HttpRequest): Promise<HttpOutcome> {
  const sleep = opts.sleep ?? sleeper;
  const answers: HttpResponse[] = [];
  for (let n = 1; ; n++) {
    const headers = n > 1 && opts.retryHeaders ? { ...req.headers, ...opts.retryHeaders(n, answers) } : req.headers;
    const outcome = await attempt(req, headers, opts.timeoutMs);
    if (outcome.kind === 'response') answers.push(outcome.response);
    const ok = outcome.kind === 'response' && outcome.response.status < 400;
    if (ok) return outcome;
    const detail = outcome.kind === 'response' && opts.errorDetail ? opts.errorDetail(outcome.response) : undefined;
    const line = { backend: opts.backend, method: req.method, path: pathOf(req.url), attempt: n, outcome: describeOutcome(outcome), ...(detail ? { detail } : {}) };
    const again = retryable(outcome, req.retry) && n <= opts.maxRetries;
    const wait = again ? backoffMs(outcome, n, opts) : 0;
    if (outcome.kind !== 'response' || outcome.response.status === 429 || outcome.response.status >= 500) {
      const giveUp = !again || wait > opts.maxDelayMs;
      opts.logger?.warn(
        { ...line, ...(giveUp ? {} : { retryInMs: wait }) },
        `${opts.backend}: ${req.what} ${describeOutcome(outcome)}${giveUp ? '' : `; trying again in ${wait} ms`}`,
      );
      if (giveUp) return outcome;
      await sleep(wait);
      continue;
    }
    if (outcome.response.status === 401 || outcome.response.status === 403) {
      // A refused credential or permission is IT's to fix: worth a line even though nothing is retried.
      opts.logger?.warn(line, `${opts.backend}: ${req.what} refused (${describeOutcome(outcome)})`);
    }
    return outcome;
  }
}

/**
 * What a vendor's failures mean, in its own words: each message is one sentence a requester may read as
 * it is (what went wrong, who fixes it). The code for each status is the contract's (CONTRACT.md).
 */
export interface FailureWords {
  backend: string;
  /** No full answer in time (`unavailable`). */
  timeout: string;
  /** Could not connect (`unavailable`). */
  network: string;
  /** 401: the credentials were refused (`forbidden`). */
  unauthorized: string;
  /** 403: not allowed (`forbidden`). */
  forbidden: string;
  /** 404: the thing acted on is not there (`not_found`). */
  notFound: string;
  /** 429 after the retries (`rate_limited`). */
  rateLimited: string;
  /** 5xx after the retries (`unavailable`). */
  failing: string;
  /** The vendor refused what was sent, or its state forbids it (`conflict`). */
  refused: string;
  /** Which statuses are `refused` (default 400 and 409). */
  refusedStatuses?: readonly number[];
  /** Any other status (`unavailable`). */
  unexpected: (status: number) => string;
  /** The vendor's error code, text and request id for `detail` (IT's logs); never a secret. */
  detail: (response: HttpResponse) => string;
}

/** A failed outcome as the contract's coded error in the vendor's words. */
export function codedFailure<T>(o: HttpOutcome, w: FailureWords): BackendResult<T> {
  if (o.kind === 'timeout') return fail(w.backend, 'unavailable', w.timeout, 'timeout');
  if (o.kind === 'network') return fail(w.backend, 'unavailable', w.network, o.cause);
  const { status } = o.response;
  const detail = w.detail(o.response);
  if (status === 401) return fail(w.backend, 'forbidden', w.unauthorized, detail);
  if (status === 403) return fail(w.backend, 'forbidden', w.forbidden, detail);
  if (status === 404) return fail(w.backend, 'not_found', w.notFound, detail);
  if (status === 429) return fail(w.backend, 'rate_limited', w.rateLimited, detail);
  if (status >= 500) return fail(w.backend, 'unavailable', w.failing, detail);
  if ((w.refusedStatuses ?? [400, 409]).includes(status)) return fail(w.backend, 'conflict', w.refused, detail);
  return fail(w.backend, 'unavailable', w.unexpected(status), detail);
}

/**
 * `r`, after one warn line when it is a failure: the code and the vendor's detail (its error text and
 * request id), which the user's message leaves out and the tool result does not carry.
 */
export function logged<T>(r: BackendResult<T>, log: HttpOptions['logger'], what: string): BackendResult<T> {
  if (!r.ok) log?.warn({ backend: r.error.backend, code: r.error.code, detail: r.error.detail }, `${r.error.backend}: ${what} failed (${r.error.code})${r.error.detail ? `: ${r.error.detail}` : ''}`);
  return r;
}
