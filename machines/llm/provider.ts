import type { ChatMessage } from '../../db/messages';
import type { Role } from '../../policies/types';
import type { DialogueState, ExecutedAction, Plan } from '../types';

/** What the LLM may know about the requester: facts from the directory and inventory, not from chat. */
export interface RequesterProfile {
  id: string;
  role: Role;
  email: string | null;
  name: string | null;
  devices: string[];
}

export interface ProposeRequest {
  requester: RequesterProfile;
  /** Earlier messages of this conversation, oldest first, without the current one. */
  history: ChatMessage[];
  message: string;
  /** Systems access can be requested for (ids from the access backend). */
  systemIds?: string[];
  /** People the message names (and the person last talked about), as the directory resolved them. */
  people?: ResolvedPerson[];
  /** The thread's conversational memory from earlier turns. */
  dialogue?: DialogueState | null;
  /** What the configured Tickets backend's keys look like (Tickets.keyPattern, anchored, any case) and one to show. */
  ticketKeys?: TicketKeys;
  /**
   * The requester's access grants ("extend my access"): those in force (from the Access backend), then the
   * few that ended most recently (from Sentinel's grant schedule), soonest-ending in force first.
   */
  grants?: RequesterGrant[];
}

/** One of the requester's grants as the planner needs it: what, at which level, how long, and how long is left. */
export interface RequesterGrant {
  system: string;
  level: 'read' | 'write' | 'admin';
  /** How long it was granted for, in whole hours (at least 1). */
  hours: number;
  /** Whole hours left, rounded up (0 once it ended). */
  hoursLeft: number;
  /** In force now. */
  active: boolean;
  /** When it ends or ended, as "10:00 UTC" (for a question naming it). */
  until: string;
}

/** The Tickets backend's key format: `IT-1042` embedded, the Jira project's keys with Jira. */
export interface TicketKeys {
  /** Anchored and case-insensitive, as Tickets.keyPattern is (embedded: /^IT-(\d{1,9})$/i). */
  pattern: RegExp;
  /** One key to show people ("IT-1042"). */
  example: string;
}

/** A name, id or email from the message, and who it is in the directory (null: nobody by that name). */
export interface ResolvedPerson {
  mention: string;
  person: { id: string; name: string; devices: string[] } | null;
}

export interface SummarizeRequest {
  requester: RequesterProfile;
  message: string | null;
  executed: ExecutedAction[];
}

/** An LLM as Sentinel uses it: it may propose tool calls, and it may write a summary. Nothing else. */
export interface LlmProvider {
  readonly name: 'offline' | 'openai' | string;
  propose(req: ProposeRequest, signal?: AbortSignal): Promise<Plan>;
  /**
   * Called without any tools: it can only write text. A provider that streams calls `onText` with each
   * piece as it is written (a preview for the transport: the returned text is the summary).
   */
  summarize(req: SummarizeRequest, signal?: AbortSignal, onText?: (piece: string) => void): Promise<string>;
}
