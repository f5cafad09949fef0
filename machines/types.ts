import type { Actor, Effect, Required } from '../policies/types';

/** A tool call as the LLM proposed it: the name and the raw argument text, both untrusted. */
export interface RawCall {
  name: string;
  arguments: string;
}

export interface Plan {
  /** Text the LLM wants to say (a clarifying question, an answer); may accompany calls. */
  text: string | null;
  calls: RawCall[];
  /** What the planner wants to remember for the thread's next message (kept in the conversation, bounded). */
  dialogue?: DialogueState | null;
  /** "Cancel that": the requester withdraws their requests still waiting in this thread. */
  withdraw?: boolean;
  /**
   * The requester typed "yes" to their own confirmation waiting in this thread: the runner answers that
   * approval as `--approve` by the requester would. Set only by code (machines/actors/propose.ts), never
   * taken from a provider's answer (boundPlan drops it).
   */
  confirm?: string;
}

/**
 * A thread's conversational memory beyond its messages: who was last talked about (for "her laptop"),
 * and a request still missing an argument (the next message may fill it).
 */
export interface DialogueState {
  /** Directory id of the person last named. */
  lastPerson?: string;
  /** The device last acted on or asked about ("wipe it"). */
  lastDevice?: string;
  /** A tool call waiting for arguments, with the question that was asked. */
  pending?: { tool: string; args: Record<string, unknown>; missing: string[] };
  /** An offer made in the last reply that "yes" accepts. */
  offer?: 'ticket';
  /**
   * The request last held back because whom it was about was unclear ("reboot dave's laptop" with no
   * dave): a next message naming the person ("I meant the intern's") plans it again for them.
   */
  unresolved?: string;
  /** The last message that proposed something: "and alice's too" plans it again for alice. */
  lastRequest?: string;
  /** Directory id of the person this memory answers (machines/dialogue-owner.ts); set by code only. */
  owner?: string;
}

export interface ProposalOutcome {
  tool: string;
  /** Parsed arguments when they parsed, else the raw text. */
  args: unknown;
  decision: Effect;
  reason: string;
  rule: string;
  approvalId?: string;
  required?: Required;
}

export interface PlannedAction {
  /** Idempotency key: the journal's primary key for this execution. */
  key: string;
  tool: string;
  args: Record<string, unknown>;
  approvalId: string | null;
}

export interface ExecutedAction {
  key: string;
  tool: string;
  args: Record<string, unknown>;
  ok: boolean;
  output: Record<string, unknown>;
  /** The process died while this ran: the outcome is unknown and it was not run again. */
  inDoubt?: boolean;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface ApprovalRef {
  id: string;
  tool: string;
  args: Record<string, unknown>;
  status: ApprovalStatus;
  required: Required;
  expiresAt: number;
  decidedBy?: string | null;
  /** Whom it waits for, in words ("2 IT admins"); absent means an IT admin. */
  approvers?: string;
}

export interface GuardOutput {
  proposals: ProposalOutcome[];
  actions: PlannedAction[];
  approvals: ApprovalRef[];
}

export interface SummarizeInput {
  requester: Actor;
  message: string | null;
  planText: string | null;
  /** The requester asked to withdraw their waiting requests ("cancel that"). */
  withdraw?: boolean;
  proposals: ProposalOutcome[];
  executed: ExecutedAction[];
  approvals: ApprovalRef[];
}

export type AgentEvent =
  | { type: 'USER_MESSAGE'; requester: Actor; text: string; nonce: string }
  | { type: 'APPROVAL_DECIDED'; requester: Actor; approval: ApprovalRef };
