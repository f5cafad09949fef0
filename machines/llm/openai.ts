import OpenAI from 'openai';
import type { Logger } from 'pino';
import { toolDefinitions } from '../../tools/registry';
import type { Plan, RawCall } from '../types';
import {
  PROPOSER_SYSTEM_PROMPT,
  SUMMARIZER_SYSTEM_PROMPT,
  proposerUserContent,
  summarizerUserContent,
} from './prompts';
import { boundPlan, PLAN_LIMITS } from './plan-bounds';
import type { LlmProvider } from './provider';

export interface OpenAIProviderOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  /** Per attempt, from sending the request to the last byte of the answer. */
  timeoutMs: number;
  /** Attempts after the first, for timeouts, lost connections, 408/409/429 and 5xx. */
  maxRetries: number;
  maxOutputTokens?: number;
  /** Where each failed attempt is reported (warn). Without it failures are silent until the apology. */
  logger?: Logger;
}

/** The longest wait before retry `n` (1-based): 1 s, 2 s, 4 s, capped at 8 s. Retry-After is honoured up to it. */
export const backoffCapMs = (n: number): number => Math.min(1000 * 2 ** (n - 1), 8000);

/**
 * The longest one LLM call can take before it succeeds or fails for good: every attempt running to its
 * timeout plus the longest wait before each retry. With the defaults (20 s, 1 retry) 41 s. A turn makes
 * at most two calls (propose, summarize), and a failed propose ends the turn with the apology.
 */
export function llmCallBoundMs(opts: Pick<OpenAIProviderOptions, 'timeoutMs' | 'maxRetries'>): number {
  let total = opts.timeoutMs * (opts.maxRetries + 1);
  for (let n = 1; n <= opts.maxRetries; n++) total += backoffCapMs(n);
  return total;
}

type Attempt = (signal: AbortSignal) => Promise<OpenAI.Chat.Completions.ChatCompletion>;

const RETRYABLE_STATUS = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;

/** Seconds or an HTTP date, as OpenAI-compatible servers send it on 429/503. */
function retryAfterMs(err: unknown): number | undefined {
  const headers = err instanceof OpenAI.APIError ? err.headers : undefined;
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** fetch hides the reason (ECONNREFUSED, ENOTFOUND, …) a few `cause`s down: the first code, or the deepest message. */
function networkCause(err: Error): string {
  let message = err.message;
  // Duck-typed: errors from Node's own fetch may come from another realm (jest's sandbox, for one).
  let e = err.cause as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
    if (typeof e.message === 'string') message = e.message;
  }
  return message;
}

/** One line on what went wrong, for the log: the status and the server's message, or the network cause. */
function describeFailure(err: unknown, timedOut: boolean, timeoutMs: number): { cause: string; retryable: boolean } {
  if (timedOut || err instanceof OpenAI.APIConnectionTimeoutError) return { cause: `no answer within ${timeoutMs} ms`, retryable: true };
  if (err instanceof OpenAI.APIConnectionError) return { cause: `connection failed (${networkCause(err)})`, retryable: true };
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    return { cause: `HTTP ${err.status}: ${err.message.slice(0, 200)}`, retryable: RETRYABLE_STATUS(err.status) };
  }
  return { cause: err instanceof Error ? err.message.slice(0, 200) : String(err), retryable: false };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Any OpenAI-compatible Chat Completions endpoint (OpenAI, OpenRouter, Ollama, vLLM, …). */
export function openaiProvider(opts: OpenAIProviderOptions): LlmProvider {
  // The SDK's own retries are off: they are silent, and their waits are not ours to bound. Retrying here
  // puts every failed attempt in the log and keeps the whole call within llmCallBoundMs().
  const client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, timeout: opts.timeoutMs, maxRetries: 0 });
  const maxTokens = opts.maxOutputTokens ?? 1024;
  const tools = toolDefinitions as unknown as OpenAI.Chat.Completions.ChatCompletionTool[];
  const attempts = opts.maxRetries + 1;

  async function withRetries(call: 'propose' | 'summarize', attempt: Attempt, signal?: AbortSignal): Promise<OpenAI.Chat.Completions.ChatCompletion> {
    for (let n = 1; ; n++) {
      // The SDK's timeout stops at the response headers; this deadline also covers a body that never ends.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new Error('attempt timed out')), opts.timeoutMs);
      try {
        return await attempt(signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal);
      } catch (err) {
        if (signal?.aborted) throw err; // the turn was cancelled: not a failure of the endpoint
        const { cause, retryable } = describeFailure(err, deadline.signal.aborted, opts.timeoutMs);
        const last = !retryable || n === attempts;
        const waitMs = last ? undefined : Math.min(retryAfterMs(err) ?? backoffCapMs(n) * (0.5 + Math.random() / 2), backoffCapMs(n));
        opts.logger?.warn(
          { call, attempt: n, attempts, cause, ...(waitMs === undefined ? {} : { retryInMs: Math.round(waitMs) }), baseURL: opts.baseURL ?? 'https://api.openai.com/v1' },
          last ? `LLM ${call} failed (attempt ${n} of ${attempts}); giving up` : `LLM ${call} failed (attempt ${n} of ${attempts}); retrying`,
        );
        if (last) throw err;
        await sleep(waitMs!, signal);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  return {
    name: 'openai',
    async propose(req, signal): Promise<Plan> {
      const res = await withRetries(
        'propose',
        (attemptSignal) =>
          client.chat.completions.create(
            {
              model: opts.model,
              messages: [
                { role: 'system', content: PROPOSER_SYSTEM_PROMPT },
                { role: 'user', content: proposerUserContent(req) },
              ],
              tools,
              tool_choice: 'auto',
              max_tokens: maxTokens,
            },
            { signal: attemptSignal },
          ),
        signal,
      );
      const message = res?.choices?.[0]?.message;
      if (!message) throw new Error('the model returned no choices');
      const calls: RawCall[] = [];
      for (const c of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
        if (c && c.type === 'function' && c.function) calls.push({ name: c.function.name, arguments: c.function.arguments });
      }
      return boundPlan({ text: message.content, calls });
    },
    async summarize(req, signal, onText) {
      const body = {
        model: opts.model,
        messages: [
          { role: 'system' as const, content: SUMMARIZER_SYSTEM_PROMPT },
          { role: 'user' as const, content: summarizerUserContent(req) },
        ],
        max_tokens: 400,
      };
      // With onText, the first attempt streams (its pieces are a preview); a retry answers in one piece.
      let streamIt = !!onText;
      const res = await withRetries(
        'summarize',
        async (attemptSignal) => {
          if (!streamIt) return client.chat.completions.create(body, { signal: attemptSignal });
          streamIt = false;
          const stream = await client.chat.completions.create({ ...body, stream: true }, { signal: attemptSignal });
          let content = '';
          for await (const chunk of stream) {
            const piece = chunk.choices?.[0]?.delta?.content;
            if (typeof piece !== 'string' || !piece) continue;
            content += piece;
            onText!(piece);
          }
          return { choices: [{ message: { content } }] } as OpenAI.Chat.Completions.ChatCompletion;
        },
        signal,
      );
      const content = res?.choices?.[0]?.message?.content;
      if (typeof content !== 'string' || !content.trim()) throw new Error('the model returned an empty summary');
      return content.trim().slice(0, PLAN_LIMITS.text);
    },
  };
}
