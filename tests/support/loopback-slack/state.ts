import { EventEmitter } from 'node:events';

/** A person in the loopback workspace, shaped like `users.info`'s user object. */
export interface SlackUserFixture {
  id: string;
  name: string;
  email?: string;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_stranger?: boolean;
  deleted?: boolean;
  is_bot?: boolean;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  user: string;
  bot_id?: string;
  text: string;
  blocks?: Array<Record<string, any>>;
  /** Message metadata as posted (`event_type`, `event_payload`); returned only when a reader asks for it. */
  metadata?: Record<string, unknown>;
  /** How many times chat.update changed it. */
  updates: number;
  reactions: Set<string>;
  /** performance.now() when it was posted (latency measurements). */
  postedAt?: number;
  /**
   * A streamed message (chat.startStream): still accepting appends while `streaming`, in one mode. `tasks`:
   * every task_update chunk received, in order (chunks mode; Slack shows each task's latest).
   */
  stream?: { streaming: boolean; mode: 'markdown' | 'chunks'; appends: number; tasks?: StreamedTask[] };
}

/** A `task_update` chunk as a streamed message received it. */
export interface StreamedTask {
  id: string;
  title: string;
  status: 'pending' | 'in_progress' | 'complete' | 'error';
  details?: string;
  output?: string;
}

export interface Ephemeral {
  channel: string;
  user: string;
  text: string;
  thread_ts?: string;
}

/** A thread's status line (`assistant.threads.setStatus`), as the person sees it. */
export interface ThreadStatus {
  channel: string;
  threadTs: string;
  status: string;
  /** `call`: the app set (or cleared) it; `reply`: Slack cleared it because the app posted in the thread. */
  by: 'call' | 'reply';
}

/** Suggested prompts shown in a DM's compose area (`assistant.threads.setSuggestedPrompts`). */
export interface SuggestedPrompts {
  title?: string;
  prompts: Array<{ title: string; message: string }>;
}

/** An agent session scoped to a thread (`agents.sessions.setStatus`). */
export interface AgentSession {
  status: 'active' | 'processing' | 'suspended' | 'closed';
  title?: string;
  initiator?: string;
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  token: string | null;
}

/** Everything the loopback workspace holds; `changed` fires on every write so drivers can await. */
export class WorkspaceState extends EventEmitter {
  readonly users = new Map<string, SlackUserFixture>();
  readonly messages: PostedMessage[] = [];
  readonly ephemerals: Ephemeral[] = [];
  readonly calls: ApiCall[] = [];
  readonly views = new Map<string, Record<string, unknown>>();
  /** Channels the bot is not a member of: posting there fails with `not_in_channel`, as in Slack. */
  readonly channelsWithoutBot = new Set<string>();
  /** `channel/thread_ts` → the status shown under the thread now ("" = none). */
  readonly statuses = new Map<string, string>();
  /** Every status a thread showed, in order, explicit clears ("") included. */
  readonly statusLog: ThreadStatus[] = [];
  /** `channel/thread_ts` → the thread's agent session; Slack shows its Stop button while it is `processing`. */
  readonly sessions = new Map<string, AgentSession>();
  /** DM channel → the suggested prompts shown in it (agent_view: per channel, not per thread). */
  readonly suggestedPrompts = new Map<string, SuggestedPrompts>();
  /** User groups (S… id → member user ids), as `usergroups.users.list` answers. */
  readonly usergroups = new Map<string, string[]>();
  private seq = 0;
  private readonly byKey = new Map<string, PostedMessage>();

  nextTs(): string {
    this.seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
  }

  add(m: PostedMessage): void {
    this.messages.push(m);
    this.byKey.set(`${m.channel}/${m.ts}`, m);
  }

  find(channel: string, ts: string): PostedMessage | undefined {
    return this.byKey.get(`${channel}/${ts}`);
  }

  touch(): void {
    this.emit('changed');
  }
}

export const dmChannelOf = (userId: string) => `D${userId}`;
