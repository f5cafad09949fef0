import type { Logger } from 'pino';
import type { BackendResult } from '../types';

// One HTTP exchange with a vendor API, with what every adapter needs and nothing vendor-specific:
// a timeout per attempt (to the last byte of the body), retries with backoff for calls that are safe
// to repeat, `Retry-After` honoured, and one warn line per failed attempt that never carries a header
// or a body. The Jira and Intune adapters share it (it lives here because it was written with Jira;
// it knows nothing of Jira).

export interface HttpOptions {
  /** Which backend, for log lines ('jira', 'intune'). */
  backend: string;
  /** Per attempt, to the last byte of the answer. */
  timeoutMs: number;
  /** Further attempts after the first, for calls that may be repeated. */
  maxRetries: number;
  /** First backoff; doubles per attempt, capped at `maxDelayMs`. */
  baseDelayMs: number;
  /** Longest wait between attempts, `Retry-After` included (a longer one gives up instead). */
  maxDelayMs: number;
  logger?: Pick<Logger, 'warn' | 'info' | 'debug'>;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_HTTP: Omit<HttpOptions, 'backend'> = { timeoutMs: 10_000, maxRetries: 2, baseDelayMs: 500, maxDelayMs: 10_000 };

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * Which failures may be retried here: `read` (idempotent: timeouts, lost connections, 429 and 5xx),
   * `throttle` (only 429, which the vendor answers before doing anything), `never`.
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

/** Seconds or an HTTP date, as milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const v = headers.get('retry-after');
  if (v === null || v.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.ceil(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const retryable = (o: HttpOutcome, mode: HttpRequest['retry']): boolean => {
  if (mode === 'never') return false;
  if (o.kind !== 'response') return mode === 'read';
  if (o.response.status === 429) return true;
  return mode === 'read' && o.response.status >= 500;
};

/** How long to wait before attempt `n + 1` (n ≥ 1): `Retry-After` when given, else exponential backoff with jitter. */
export function backoffMs(o: HttpOutcome, n: number, opts: Pick<HttpOptions, 'baseDelayMs' | 'maxDelayMs'>): number {
  const told = o.kind === 'response' ? retryAfterMs(o.response.headers) : null;
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

async function attempt(req: HttpRequest, timeoutMs: number): Promise<HttpOutcome> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal, redirect: 'error' });
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

const describe = (o: HttpOutcome) => (o.kind === 'response' ? `HTTP ${o.response.status}` : o.kind === 'timeout' ? 'timed out' : `connection failed (${o.cause})`);

/**
 * Sends `req`, retrying what `req.retry` allows. Returns the last outcome: the caller turns a status
 * into its coded error. Never throws.
 */
export async function send(opts: HttpOptions, req: HttpRequest): Promise<HttpOutcome> {
  const sleep = opts.sleep ?? sleeper;
  for (let n = 1; ; n++) {
    const outcome = await attempt(req, opts.timeoutMs);
    const ok = outcome.kind === 'response' && outcome.response.status < 400;
    if (ok) return outcome;
    const again = retryable(outcome, req.retry) && n <= opts.maxRetries;
    const wait = again ? backoffMs(outcome, n, opts) : 0;
    if (outcome.kind !== 'response' || outcome.response.status === 429 || outcome.response.status >= 500) {
      const giveUp = !again || wait > opts.maxDelayMs;
      opts.logger?.warn(
        { backend: opts.backend, method: req.method, path: pathOf(req.url), attempt: n, outcome: describe(outcome), ...(giveUp ? {} : { retryInMs: wait }) },
        `${opts.backend}: ${req.what} ${describe(outcome)}${giveUp ? '' : `; trying again in ${wait} ms`}`,
      );
      if (giveUp) return outcome;
      await sleep(wait);
      continue;
    }
    if (outcome.response.status === 401 || outcome.response.status === 403) {
      // A refused credential or permission is IT's to fix: worth a line even though nothing is retried.
      opts.logger?.warn({ backend: opts.backend, method: req.method, path: pathOf(req.url), outcome: describe(outcome) }, `${opts.backend}: ${req.what} refused (${describe(outcome)})`);
    }
    return outcome;
  }
}

/**
 * `r`, after one warn line when it is a failure: the code and the vendor's detail (its error text and
 * request id), which the user's message leaves out and the tool result does not carry.
 */
export function logged<T>(r: BackendResult<T>, log: HttpOptions['logger'], what: string): BackendResult<T> {
  if (!r.ok) log?.warn({ backend: r.error.backend, code: r.error.code, detail: r.error.detail }, `${r.error.backend}: ${what} failed (${r.error.code})${r.error.detail ? `: ${r.error.detail}` : ''}`);
  return r;
}
