import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../apps/logger';
import { send, type HttpOptions, type HttpRequest } from '../../tools/backends/http';

// The adapters' shared HTTP helper (tools/backends/http.ts) on its own: which failures it tries again,
// how long it waits, what it adds to a retry, and what it never does.

type Answer = { status: number; headers?: Record<string, string>; body?: string };
let answers: Answer[] = [];
let seen: Array<{ method: string; headers: http.IncomingHttpHeaders; at: number }> = [];
const server = http.createServer((req, res) => {
  seen.push({ method: req.method!, headers: req.headers, at: Date.now() });
  req.resume();
  const a = answers.shift() ?? { status: 200, body: '{"ok":true}' };
  res.writeHead(a.status, { 'Content-Type': 'application/json', ...a.headers });
  res.end(a.body ?? '');
});
let url = '';
const lines: string[] = [];
const opts = (over: Partial<HttpOptions> = {}): HttpOptions => ({
  backend: 'test',
  timeoutMs: 1000,
  maxRetries: 2,
  baseDelayMs: 10,
  maxDelayMs: 3000,
  logger: createLogger('debug', { write: (l: string) => void lines.push(l) }),
  ...over,
});
const req = (over: Partial<HttpRequest> = {}): HttpRequest => ({ method: 'GET', url: `${url}/thing?email=alice@example.com`, headers: { Authorization: 'Bearer s3cret-token' }, retry: 'read', what: 'read a thing', ...over });
const status = (o: Awaited<ReturnType<typeof send>>) => (o.kind === 'response' ? o.response.status : o.kind);

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  answers = [];
  seen = [];
  lines.length = 0;
});
afterEach(() => {
  const log = lines.join('\n');
  expect(log).not.toContain('s3cret-token');
  expect(log).not.toContain('alice@example.com');
});

test('an idempotent call is tried again after 5xx and 429; a create only after a 429, never after a 5xx', async () => {
  answers = [{ status: 503 }, { status: 429 }];
  expect(status(await send(opts(), req()))).toBe(200);
  expect(seen).toHaveLength(3);

  seen = [];
  answers = [{ status: 503 }];
  expect(status(await send(opts(), req({ method: 'POST', retry: 'throttle' })))).toBe(503);
  expect(seen).toHaveLength(1);

  seen = [];
  answers = [{ status: 429 }];
  expect(status(await send(opts(), req({ method: 'POST', retry: 'throttle' })))).toBe(200);
  expect(seen).toHaveLength(2);

  seen = [];
  answers = [{ status: 429 }];
  expect(status(await send(opts(), req({ method: 'POST', retry: 'never' })))).toBe(429);
  expect(seen).toHaveLength(1);
});

test("Retry-After is honoured; X-Rate-Limit-Reset only when asked for, and only on a 429", async () => {
  answers = [{ status: 429, headers: { 'Retry-After': '1' } }];
  await send(opts(), req());
  expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);

  // Okta sends its reset header on every answer: a 5xx is backed off as usual, not held until the reset.
  seen = [];
  const reset = String(Math.ceil(Date.now() / 1000) + 60);
  answers = [{ status: 500, headers: { 'X-Rate-Limit-Reset': reset } }];
  expect(status(await send(opts({ rateLimitReset: true }), req()))).toBe(200);
  expect(seen[1]!.at - seen[0]!.at).toBeLessThan(500);

  // A reset further off than Sentinel waits: it gives up at once, rate limited.
  seen = [];
  answers = [{ status: 429, headers: { 'X-Rate-Limit-Reset': reset } }];
  expect(status(await send(opts({ rateLimitReset: true }), req()))).toBe(429);
  expect(seen).toHaveLength(1);
});

test("a retry carries the vendor's retry headers; a redirect is never followed with the token", async () => {
  answers = [{ status: 503, headers: { 'X-Request-Id': 'r-1' } }];
  await send(opts({ retryHeaders: (n, prior) => ({ 'X-Retry-For': prior[0]!.headers.get('x-request-id') ?? '', 'X-Retry-Count': String(n - 1) }) }), req());
  expect(seen[0]!.headers['x-retry-for']).toBeUndefined();
  expect(seen[1]!.headers).toMatchObject({ 'x-retry-for': 'r-1', 'x-retry-count': '1' });

  seen = [];
  answers = [{ status: 302, headers: { Location: 'http://127.0.0.2:9/steal' } }];
  expect(status(await send(opts(), req({ retry: 'never' })))).toBe('network');
  expect(seen).toHaveLength(1);
});

test('a timeout is its own outcome, and a create that timed out is not sent again', async () => {
  const slow = http.createServer((_q, res) => setTimeout(() => res.end('{}'), 500));
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  let hits = 0;
  slow.on('request', () => hits++);
  const at = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/x`;
  expect(await send(opts({ timeoutMs: 100 }), req({ url: at, method: 'POST', retry: 'throttle' }))).toEqual({ kind: 'timeout' });
  expect(hits).toBe(1);
  slow.closeAllConnections();
  await new Promise<void>((r) => slow.close(() => r()));
});
