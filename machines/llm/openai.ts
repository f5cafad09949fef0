import OpenAI from 'openai';
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
  timeoutMs: number;
  maxRetries: number;
  maxOutputTokens?: number;
}


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
      for (const c of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
        if (c && c.type === 'function' && c.function) calls.push({ name: c.function.name, arguments: c.function.arguments });
      }
      return boundPlan({ text: message.content, calls });
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
      return content.trim().slice(0, PLAN_LIMITS.text);
    },
  };
}
