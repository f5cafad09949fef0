import type { z } from 'zod';
import type { Actor, Target } from '../policies/types';
import type { BackendError, Backends } from './backends/types';

export type Risk = 'read' | 'write' | 'privileged' | 'destructive';

/** Sentinel's own record of requests waiting for a decision, read-only, for tools that report on them. */
export interface RequestsView {
  /** The requester's own requests still waiting for a decision. */
  pendingOf(userId: string): PendingRequest[];
  /** Requests `approver` may decide now: others' requests (for admins) and their own confirmations. */
  waitingFor(approver: Actor): PendingRequest[];
}

export interface PendingRequest {
  id: string;
  requester: string;
  tool: string;
  args: Record<string, unknown>;
  /** The action in words ("wipe LAPTOP-ALICE-01"). */
  what: string;
  required: 'approver' | 'requester';
  expiresAt: number;
}

/** A Slack workspace: its team id and its URL (`https://acme.slack.com/`), as auth.test gives them. */
export interface SlackWorkspace {
  team: string;
  url: string;
}

export interface ToolContext {
  backends: Backends;
  /** The authenticated requester the action runs for. */
  requester: Actor;
  /** Idempotency key of this execution; backends record it so a repeat is recognisable. */
  executionKey: string;
  /** Recent conversation, for tools that hand a case to a human (`needsTranscript`); empty otherwise. */
  transcript: string;
  /**
   * The conversation the action was asked in (`slack:<team>:<channel>:<thread ts>`, or the CLI's thread
   * name), for tools that point a human back to it (a ticket's link to the thread). Absent outside a
   * conversation (benches).
   */
  conversationId?: string;
  /** The Slack workspace Sentinel is installed in (auth.test), when the Slack app runs: its threads get permalinks. */
  slackWorkspace?: SlackWorkspace;
  requests: RequestsView;
  now: number;
}

/** Tool results are values: a failed action is an outcome to report, not an exception. */
export type ToolResult =
  | { ok: true; output: Record<string, unknown> }
  | { ok: false; error: string; /** Set when a backend refused or failed (tools/backends/types.ts). */ backend?: { code: string; backend: string } };

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
  /** What the user is told when it succeeded (the offline summary, and the fallback when an LLM summary fails). */
  summary(output: Record<string, unknown>): string;
  /** How people ask for it: the planner's and the evaluation's examples. */
  examples: readonly string[];
  /** Hands the recent conversation to a human (a ticket): `ctx.transcript` is filled in. */
  needsTranscript?: boolean;
  /**
   * When the request is already satisfied (access the user already holds), why: the guard tells the user
   * instead of asking anyone to approve it. Read-only.
   */
  alreadyDone?(args: z.infer<S>, backends: Backends, requester: Actor, now: number): Promise<string | null>;
}

/**
 * A backend's failure as the tool's result: its plain-words message for the user, and its code (and
 * which backend) in the output, so the audit log and the summary can tell a refusal from an outage.
 */
export const backendFailed = (e: BackendError): ToolResult => ({ ok: false, error: e.message, backend: { code: e.code, backend: e.backend } });

/** A tool output field as text for a summary ('' for anything that is not a string or number). */
export const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** Keeps the zod-inferred argument type flowing into target/describe/run. */
export function defineTool<S extends z.ZodTypeAny>(tool: Tool<S>): Tool<S> {
  return tool;
}
