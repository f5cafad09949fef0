import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** One scripted reply: an HTTP status with a JSON body, or a delay that outlasts the client's timeout. */
export type Reply = { status?: number; body: unknown; delayMs?: number; headers?: Record<string, string> } | { hang: true | 'body' };

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
