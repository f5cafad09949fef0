import type { z } from 'zod';
import type { Actor, Target } from '../policies/types';
import type { Backends } from './backends/types';

export type Risk = 'read' | 'write' | 'privileged' | 'destructive';

export interface ToolContext {
  backends: Backends;
  /** The authenticated requester the action runs for. */
  requester: Actor;
  /** Idempotency key of this execution; backends record it so a repeat is recognisable. */
  executionKey: string;
  /** Recent conversation, for tools that hand a case to a human. */
  transcript: string;
  now: number;
}

/** Tool results are values: a failed action is an outcome to report, not an exception. */
export type ToolResult = { ok: true; output: Record<string, unknown> } | { ok: false; error: string };

export interface Tool<S extends z.ZodTypeAny = z.ZodTypeAny> {
  name: string;
  description: string;
  /** Single source for the input type, the JSON schema the LLM sees and runtime validation. */
  input: S;
  risk: Risk;
  reversible: boolean;
  /** True when running it twice has no further effect, so a restart may safely re-run it. */
  idempotent: boolean;
  /** What the call acts on; the guard resolves its owner before policy decides. */
  target(args: z.infer<S>, backends: Backends): Promise<Target>;
  /** One line for humans: cards, audit, summaries. */
  describe(args: z.infer<S>): string;
  run(args: z.infer<S>, ctx: ToolContext): Promise<ToolResult>;
}

/** Keeps the zod-inferred argument type flowing into target/describe/run. */
export function defineTool<S extends z.ZodTypeAny>(tool: Tool<S>): Tool<S> {
  return tool;
}
