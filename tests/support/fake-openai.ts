import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/**
 * One scripted reply: an HTTP status with a JSON body, a delay that outlasts the client's timeout, or a
 * streamed answer (`stream: true` requests): its pieces as server-sent chunks, `pauseMs` apart.
 */
export type Reply = { status?: number; body: unknown; delayMs?: number; headers?: Record<string, string> } | { hang: true | 'body' } | { stream: string[]; pauseMs?: number };

/**
 * A local server speaking the Chat Completions wire format (POST /v1/chat/completions), so the real
 * `openai` SDK can be tested against it: tool calls, HTTP errors with retries, and timeouts.
 */
export async function startFakeOpenAI(replies: Reply[]) {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : {} });
      const reply = replies.shift() ?? { status: 500, body: { error: { message: 'no scripted reply' } } };
      if ('hang' in reply) {
        // never answers, or sends the headers and never finishes the body: the client must time out
        if (reply.hang === 'body') res.writeHead(200, { 'content-type': 'application/json' }).write('{"id":');
        return;
      }
      if ('stream' in reply) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const chunk = (delta: Record<string, unknown>, finish: string | null) =>
          `data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1, model: 'test-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        const pieces = [...reply.stream];
        const next = () => {
          const piece = pieces.shift();
          if (piece === undefined) return void res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
          res.write(chunk({ role: 'assistant', content: piece }, null));
          setTimeout(next, reply.pauseMs ?? 0);
        };
        return next();
      }
      setTimeout(() => {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body));
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export function completion(message: { content?: string | null; tool_calls?: unknown[] }) {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1,
    model: 'test-model',
    choices: [{ index: 0, finish_reason: message.tool_calls ? 'tool_calls' : 'stop', message: { role: 'assistant', content: message.content ?? null, ...message } }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

export const toolCall = (name: string, args: string, id = 'call_1') => ({ id, type: 'function', function: { name, arguments: args } });
