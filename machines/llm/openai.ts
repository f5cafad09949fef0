import OpenAI from 'openai';
import { toolDefinitions } from '../../tools/registry';
import type { Plan, RawCall } from '../types';
import {
  PROPOSER_SYSTEM_PROMPT,
  SUMMARIZER_SYSTEM_PROMPT,
  proposerUserContent,
  summarizerUserContent,
} from './prompts';
import type { LlmProvider } from './provider';

export interface OpenAIProviderOptions {
  apiKey: string;
  baseURL?: string;
  model: string;
  timeoutMs: number;
  maxRetries: number;
  maxOutputTokens?: number;
}

/** Bounds on what we accept back, whatever the model sends: it is untrusted input. */
const MAX_TEXT = 4000;
const MAX_CALLS = 20;
const MAX_NAME = 100;
const MAX_ARGS = 64_000;

/** Any OpenAI-compatible Chat Completions endpoint (OpenAI, OpenRouter, Ollama, vLLM, …). */
export function openaiProvider(opts: OpenAIProviderOptions): LlmProvider {
  // The SDK retries 408/409/429/5xx and timeouts with exponential backoff before it throws.
  const client = new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, timeout: opts.timeoutMs, maxRetries: opts.maxRetries });
  const maxTokens = opts.maxOutputTokens ?? 1024;
  const tools = toolDefinitions as unknown as OpenAI.Chat.Completions.ChatCompletionTool[];

  return {
    name: 'openai',
    async propose(req, signal): Promise<Plan> {
      const res = await client.chat.completions.create(
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
        { signal },
      );
      const message = res?.choices?.[0]?.message;
      if (!message) throw new Error('the model returned no choices');
      const calls: RawCall[] = [];
      for (const c of Array.isArray(message.tool_calls) ? message.tool_calls.slice(0, MAX_CALLS) : []) {
        if (!c || c.type !== 'function' || !c.function) continue;
        calls.push({
          name: String(c.function.name ?? '').slice(0, MAX_NAME),
          arguments: typeof c.function.arguments === 'string' ? c.function.arguments.slice(0, MAX_ARGS) : '',
        });
      }
      const text = typeof message.content === 'string' && message.content.trim() ? message.content.trim().slice(0, MAX_TEXT) : null;
      return { text, calls };
    },
    async summarize(req, signal) {
      const res = await client.chat.completions.create(
        {
          model: opts.model,
          messages: [
            { role: 'system', content: SUMMARIZER_SYSTEM_PROMPT },
            { role: 'user', content: summarizerUserContent(req) },
          ],
          max_tokens: 400,
        },
        { signal },
      );
      const content = res?.choices?.[0]?.message?.content;
      if (typeof content !== 'string' || !content.trim()) throw new Error('the model returned an empty summary');
      return content.trim().slice(0, MAX_TEXT);
    },
  };
}
