import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { TurnStep } from '../../machines/deps';
import { threadOf, type SlackThread } from './conversation-key';
import { errorText, platformError } from './identity';

export const READING = 'Reading your request…';

const clean = (v: unknown): string => (typeof v === 'string' ? v.replace(/[^\x20-\x7e\u00a0-\uffff]/g, '').trim().slice(0, 64) : '');

/** The status line while a tool runs: what it is doing, in the words a person would use. */
export function runningStatus(tool: string, args: Record<string, unknown>): string {
  const device = clean(args.device_id) || 'the device';
  switch (tool) {
    case 'run_device_diagnostic':
      return `Checking ${device}…`;
    case 'execute_remote_command':
      return args.command === 'wipe' ? `Wiping ${device}…` : args.command === 'lock' ? `Locking ${device}…` : args.command === 'restart' ? `Restarting ${device}…` : `Sending a command to ${device}…`;
    case 'reset_password':
      return 'Sending a password reset link…';
    case 'provision_access':
      return clean(args.system) ? `Granting ${clean(args.level) || 'the'} access to ${clean(args.system)}…` : 'Granting access…';
    case 'create_support_ticket':
      return 'Opening a ticket…';
    case 'check_ticket_status':
      return clean(args.ticket_id) ? `Looking up ${clean(args.ticket_id)}…` : 'Looking up the ticket…';
    case 'list_my_access':
      return 'Looking up your access…';
    case 'list_my_tickets':
      return 'Looking up your tickets…';
    case 'list_pending_approvals':
      return 'Looking up what is waiting for you…';
    default:
      return 'Working on it…';
  }
}

/** A tool call as a task in a streamed answer ("Checking LAPTOP-ALICE-01"): the status line's words, without its "…". */
export function taskTitle(tool: string, args: Record<string, unknown>): string {
  return runningStatus(tool, args).replace(/…$/, '');
}

/** Errors that say status lines (or sessions) will never work here: an older install, a kind of conversation without them. */
const NEVER_HERE = new Set(['missing_scope', 'not_allowed_token_type', 'method_not_supported_for_channel_type', 'channel_type_not_supported', 'not_allowed', 'feature_not_enabled', 'unknown_method']);

type Kind = 'dm' | 'channel';
/** The steps a status line says something about. */
type Shown = Extract<TurnStep, { step: 'reading' | 'running' }>;
type Call = { what: 'status'; status: string } | { what: 'session'; status: 'processing' | 'active'; title?: string; initiator?: string };

/**
 * The thread's status line ("Reading your request…", "Checking LAPTOP-ALICE-01…") while a turn runs, and its
 * agent session in `processing` (which is what shows Slack's Stop button), both undone explicitly when the
 * turn ends however it ends — with an answer, an approval card, a question or an error: a status Slack is
 * left showing lingers and disables the person's compose box, and a session is not moved off `processing`
 * by Slack itself. Best-effort throughout: calls go out in order per thread, off every listener's path
 * (nothing awaits them), on a client that fails fast; a failed call is logged, never fails a turn; after
 * an error saying they are not available (an older install), that kind of conversation (DMs or channels)
 * gets no more of them.
 */
export class ThreadStatus {
  private readonly chains = new Map<string, Promise<void>>();
  /** Conversations whose thread may be showing a status line / a processing session now. */
  private readonly showing = new Set<string>();
  private readonly processing = new Set<string>();
  /** What a conversation's session is to be named after, and who started it: used when it is created. */
  private readonly titles = new Map<string, { title: string; initiator: string }>();
  private readonly unavailable = { status: new Set<Kind>(), session: new Set<Kind>() };

  /** Turns that began less than `afterMs` ago: what they would show, held back until then. */
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; step: Shown }>();
  /** Method → until when Slack asked us to hold off (a 429's Retry-After). */
  private readonly holdOff = new Map<'status' | 'session', number>();

  /**
   * `afterMs`: a turn's status line and session are shown only once it has run this long (an answer that
   * comes sooner is its own feedback, and a busy workspace is spared five calls per message).
   */
  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    private readonly opts: { afterMs: number } = { afterMs: 0 },
  ) {}

  /** The request a turn is about to handle, so the session it opens is named after it. */
  titled(conversationId: string, request: string, initiator: string): void {
    const title = request.replace(/\s+/g, ' ').trim().slice(0, 200);
    if (!title) return;
    this.titles.delete(conversationId);
    this.titles.set(conversationId, { title, initiator });
    // A message refused before its turn started (too long, busy thread) leaves its title behind: bounded.
    if (this.titles.size > 1_000) this.titles.delete(this.titles.keys().next().value!);
  }

  /** For `runner.onStep`. */
  readonly onStep = (s: TurnStep): void => {
    const thread = threadOf(s.conversationId);
    if (!thread) return;
    // The answer itself is arriving (a streamed reply): the status line has said its piece.
    if (s.step === 'writing') {
      if (this.showing.delete(s.conversationId)) this.send(s.conversationId, thread, { what: 'status', status: '' });
      return;
    }
    // The list of actions, and each one's end: the next `running` step (or the turn's end) says what follows.
    if (s.step === 'executing' || s.step === 'ran') return;
    const held = this.pending.get(s.conversationId);
    if (s.step === 'ended') {
      this.titles.delete(s.conversationId);
      if (held) {
        // Ended before anything was shown: nothing to show, nothing to undo.
        clearTimeout(held.timer);
        this.pending.delete(s.conversationId);
        return;
      }
      if (this.showing.delete(s.conversationId)) this.send(s.conversationId, thread, { what: 'status', status: '' });
      if (this.processing.delete(s.conversationId)) this.send(s.conversationId, thread, { what: 'session', status: 'active' });
      return;
    }
    if (held) {
      held.step = s;
      return;
    }
    if (this.opts.afterMs > 0 && !this.showing.has(s.conversationId) && !this.processing.has(s.conversationId)) {
      const timer = setTimeout(() => {
        const latest = this.pending.get(s.conversationId);
        this.pending.delete(s.conversationId);
        if (latest) this.show(thread, latest.step);
      }, this.opts.afterMs);
      timer.unref();
      this.pending.set(s.conversationId, { timer, step: s });
      return;
    }
    this.show(thread, s);
  };

  private show(thread: SlackThread, s: Shown): void {
    const kind = kindOf(thread);
    const held = (what: 'status' | 'session') => this.unavailable[what].has(kind) || (this.holdOff.get(what) ?? 0) > Date.now();
    if (!this.processing.has(s.conversationId) && !held('session')) {
      this.processing.add(s.conversationId);
      const named = this.titles.get(s.conversationId);
      this.titles.delete(s.conversationId);
      this.send(s.conversationId, thread, { what: 'session', status: 'processing', title: named?.title, initiator: named?.initiator });
    }
    if (held('status')) return;
    this.showing.add(s.conversationId);
    this.send(s.conversationId, thread, { what: 'status', status: s.step === 'reading' ? READING : runningStatus(s.tool, s.args) });
  }

  /** Moves a thread's session off `processing` when nothing runs there (a Stop pressed after a restart). */
  release(conversationId: string): void {
    const thread = threadOf(conversationId);
    if (!thread || this.processing.has(conversationId)) return;
    this.send(conversationId, thread, { what: 'session', status: 'active' });
  }

  /** Resolves once the calls made so far for this conversation have been answered (never rejects). */
  settled(conversationId: string): Promise<void> {
    return this.chains.get(conversationId) ?? Promise.resolve();
  }

  /** Resolves once every call made so far has been answered (for an orderly stop). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.allSettled([...this.chains.values()]);
  }

  private send(conversationId: string, thread: SlackThread, call: Call): void {
    const previous = this.chains.get(conversationId) ?? Promise.resolve();
    const next = previous.then(() => this.call(thread, call));
    this.chains.set(conversationId, next);
    void next.then(() => {
      if (this.chains.get(conversationId) === next) this.chains.delete(conversationId);
    });
  }

  private async call(thread: SlackThread, call: Call): Promise<void> {
    const kind = kindOf(thread);
    const unavailable = this.unavailable[call.what];
    // Undoing is still sent after the kind was found unavailable: what came before may have shown.
    const undo = call.what === 'status' ? call.status === '' : call.status === 'active';
    if (!undo && (unavailable.has(kind) || (this.holdOff.get(call.what) ?? 0) > Date.now())) return;
    try {
      if (call.what === 'status') {
        await this.client.assistant.threads.setStatus({ channel_id: thread.channel, thread_ts: thread.threadTs, status: call.status });
      } else {
        await this.client.agents.sessions.setStatus({
          channel_id: thread.channel,
          thread_ts: thread.threadTs,
          status: call.status,
          ...(call.title ? { title: call.title } : {}),
          ...(call.initiator ? { initiator_user_id: call.initiator } : {}),
        });
      }
    } catch (err) {
      const retryAfter = (err as { retryAfter?: unknown }).retryAfter;
      if (typeof retryAfter === 'number') {
        // Rate limited: showing progress is not worth waiting for; undoing is still tried.
        this.holdOff.set(call.what, Date.now() + retryAfter * 1000);
        this.logger.debug({ what: call.what, retryAfter }, 'thread status calls rate limited; holding off');
        return;
      }
      const code = platformError(err);
      if (code && NEVER_HERE.has(code)) {
        if (!unavailable.has(kind)) this.logger.info({ cause: code, kind, what: call.what }, `Slack refused a thread ${call.what}; no more in this kind of conversation until restart`);
        unavailable.add(kind);
        return;
      }
      this.logger.debug({ channel: thread.channel, cause: errorText(err), what: call.what }, 'could not set the thread status');
    }
  }
}

const kindOf = (t: SlackThread): Kind => (t.channel.startsWith('D') ? 'dm' : 'channel');
