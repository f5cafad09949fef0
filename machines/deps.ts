import type { Logger } from 'pino';
import type { Db } from '../db/client';
import type { UsergroupMembers } from './approvers';
import type { LoadedPolicy } from '../policies/schema';
import type { Backends } from '../tools/backends/types';
import type { SlackWorkspace } from '../tools/contract';
import type { CrashPoint } from './crash-points';
import type { LlmProvider } from './llm/provider';

/** Everything the effectful actors and the runner need; the machine itself needs none of it. */
export interface AgentDeps {
  db: Db;
  /** Resolves once every commit so far is on disk: awaited before a tool touches a real system. */
  syncToDisk: () => Promise<void>;
  backends: Backends;
  llm: LlmProvider;
  /** The policy that decides (rules, grant caps, budgets), with its file's hash for the audit log. */
  policy: LoadedPolicy;
  /** The Slack workspace the Slack app is installed in (its threads' permalinks, for tickets); Slack app only. */
  slackWorkspace?: SlackWorkspace;
  /** Slack user group members as directory ids, for policy `approvers: { slack_usergroup }` (Slack app only). */
  usergroups?: UsergroupMembers;
  logger: Logger;
  now: () => number;
  /** Random id source (approval ids, nonces); injectable so tests can be deterministic. */
  randomId: () => string;
  historyMessages: number;
  approvalTtlMs: number;
  /** Tool calls policy lets through (allowed or sent for approval) per requester per rolling hour. */
  toolCallsPerHour: number;
  /** Conversations whose settled turns a transport delivers from the outbox (Slack threads); others get no rows. */
  outboxFor?: (conversationId: string) => boolean;
  /** How long a turn's lease lasts without renewal (default 15 s): how soon a dead owner's turn can be taken over. */
  leaseMs?: number;
  /** How long a message waits for another process's turn on the same conversation (default 60 s). */
  leaseWaitMs?: number;
  /**
   * Inside a transaction that records a turn's decisions or starts an action: throws when this process
   * no longer owns the conversation's turn (another took it over). Supplied by the runner.
   */
  assertOwner?: (conversationId: string) => void;
  /** Fault injection for the crash tests; a no-op unless SENTINEL_CRASH_AT is set. */
  crash: (point: CrashPoint) => void;
  /** Told what a turn is doing (for a transport's status line); supplied by the runner. Never stored. */
  step?: (step: TurnStepBody) => void;
  /**
   * Whether the person stopped this conversation's running turn (Slack's Stop, "stop"), in this process or
   * from another (recorded on the turn's lease, so it reads the database). Execute asks it inside the
   * transaction that claims an action. Supplied by the runner.
   */
  turnStopped?: (conversationId: string) => boolean;
}

/** What an action not run because its turn was stopped reports (code-written, like every not-run action). */
export const STOPPED_BEFORE_RUN = 'Not run: you stopped this request before it started. Nothing was changed.';

/** What a running turn is doing now, as its emitters say it (the runner adds the turn's number). */
export type TurnStepBody =
  | { conversationId: string; step: 'reading' }
  /** Policy let these actions through (allowed or approved): they run next, in this order. */
  | { conversationId: string; step: 'executing'; actions: { key: string; tool: string; args: Record<string, unknown> }[] }
  | { conversationId: string; step: 'running'; key: string; tool: string; args: Record<string, unknown> }
  /** One action is over: it ran (ok or not), or was not run (stopped, re-check failed, in doubt). */
  | { conversationId: string; step: 'ran'; key: string; tool: string; args: Record<string, unknown>; ok: boolean }
  /** A piece of the reply as an LLM writes it (providers that stream): a preview, the reply comes with the turn. */
  | { conversationId: string; step: 'writing'; text: string }
  | { conversationId: string; step: 'ended' };

/**
 * What a running turn is doing now: reading the request (the LLM proposes), running its actions, writing
 * the reply, or done. `turn` is the conversation's turn number (the outbox reply of that turn carries it
 * too), so a transport can tie what it showed while the turn ran to the reply that settles it.
 */
export type TurnStep = TurnStepBody & { turn: number };

export const MAX_PROPOSALS_PER_TURN = 5;
export const MAX_MESSAGE_CHARS = 4000;

/**
 * Lets the runner persist the snapshot that started an actor before the actor does anything: XState
 * starts invoked actors before it notifies subscribers, and the runner persists in its subscriber.
 */
export async function afterPersist(signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (signal.aborted) throw new Error('turn aborted before it started');
}
