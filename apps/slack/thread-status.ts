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

/** Errors that say status lines will never work here (an older install, a kind of conversation without them). */
const NEVER_HERE = new Set(['missing_scope', 'not_allowed_token_type', 'method_not_supported_for_channel_type', 'channel_type_not_supported', 'not_allowed', 'feature_not_enabled']);

/**
 * The thread's status line ("Reading your request…", "Checking LAPTOP-ALICE-01…") while a turn runs, cleared
 * explicitly when it ends however it ends — with an answer, an approval card, a question or an error: a
 * status Slack is left showing lingers and disables the person's compose box. Best-effort throughout:
 * calls go out in order per thread, off every listener's path (nothing awaits them), on a client that
 * fails fast; a failed call is logged, never fails a turn; after an error saying status lines are not
 * available (an older install), that kind of conversation (DMs or channels) gets none.
 */
export class ThreadStatus {
  private readonly chains = new Map<string, Promise<void>>();
  /** Conversations whose thread may be showing a status now. */
  private readonly showing = new Set<string>();
  private readonly unavailable = new Set<'dm' | 'channel'>();

  constructor(private readonly client: webApi.WebClient, private readonly logger: Logger) {}

  /** For `runner.onStep`. */
  readonly onStep = (s: TurnStep): void => {
    const thread = threadOf(s.conversationId);
    if (!thread) return;
    if (s.step === 'ended') {
      if (this.showing.delete(s.conversationId)) this.send(s.conversationId, thread, '');
      return;
    }
    if (this.unavailable.has(kindOf(thread))) return;
    this.showing.add(s.conversationId);
    this.send(s.conversationId, thread, s.step === 'reading' ? READING : runningStatus(s.tool, s.args));
  };

  /** Resolves once every status call made so far has been answered (for an orderly stop). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.allSettled([...this.chains.values()]);
  }

  private send(conversationId: string, thread: SlackThread, status: string): void {
    const previous = this.chains.get(conversationId) ?? Promise.resolve();
    const next = previous.then(() => this.call(thread, status));
    this.chains.set(conversationId, next);
    void next.then(() => {
      if (this.chains.get(conversationId) === next) this.chains.delete(conversationId);
    });
  }

  private async call(thread: SlackThread, status: string): Promise<void> {
    const kind = kindOf(thread);
    // A clear is still sent after the kind was found unavailable: an earlier status may have been shown.
    if (status && this.unavailable.has(kind)) return;
    try {
      await this.client.assistant.threads.setStatus({ channel_id: thread.channel, thread_ts: thread.threadTs, status });
    } catch (err) {
      const code = platformError(err);
      if (code && NEVER_HERE.has(code)) {
        if (!this.unavailable.has(kind)) this.logger.info({ cause: code, kind }, 'Slack refused a status line; no more status lines in this kind of conversation until restart');
        this.unavailable.add(kind);
        return;
      }
      this.logger.debug({ channel: thread.channel, cause: errorText(err) }, 'could not set the thread status');
    }
  }
}

const kindOf = (t: SlackThread): 'dm' | 'channel' => (t.channel.startsWith('D') ? 'dm' : 'channel');
