import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SocketLink, type Envelope } from './socket-link';
import { dmChannelOf, WorkspaceState, type PostedMessage, type SlackUserFixture } from './state';
import { webApi, type InjectedFailure } from './web-api';

export { dmChannelOf, type PostedMessage, type SlackUserFixture } from './state';

export interface LoopbackOptions {
  /** Redeliver an unacked events_api envelope after this long (Slack: 3 s), up to 3 times. */
  ackTimeoutMs?: number;
  /** Echo the bot's own posts back as message events, as Slack does for subscribed channels. */
  echoBotPosts?: boolean;
  /** The bot scopes granted at install (default: the ones slack/manifest.json asks for). An older install has fewer. */
  scopes?: string[];
  /** The app's agent surface (default `agent_view`, the only one new apps get). */
  surface?: 'agent_view' | 'assistant_view';
  /** The bot events subscribed (default: the manifest's). Plain channel messages arrive only with `message.channels`. */
  events?: string[];
}

interface Manifest {
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] } };
}
const manifest = (): Manifest => JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'slack', 'manifest.json'), 'utf8')) as Manifest;

/** The bot scopes our manifest asks for: what a workspace installing it today grants. */
export function manifestScopes(): string[] {
  return manifest().oauth_config.scopes.bot;
}

/** The bot events our manifest subscribes to. */
export function manifestEvents(): string[] {
  return manifest().settings.event_subscriptions.bot_events;
}

/**
 * A Slack workspace on 127.0.0.1 that speaks the real protocol — Web API over HTTP, Socket Mode over a
 * websocket — so the unmodified Bolt app runs against it. The driver methods play the people.
 */
export class LoopbackSlack {
  readonly team = 'T0LOOP';
  readonly botUserId = 'U0BOT';
  readonly botId = 'B0BOT';
  readonly appId = 'A0LOOP';
  readonly botToken = 'xoxb-0000-loopback-bot';
  readonly appToken = 'xapp-1-A0LOOP-0000-loopback';
  readonly scopes: ReadonlySet<string>;
  readonly surface: 'agent_view' | 'assistant_view';
  readonly events: ReadonlySet<string>;
  readonly state = new WorkspaceState();
  readonly link = new SocketLink(this.state, this.appId);
  private readonly api;
  private readonly server: http.Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private port = 0;

  private constructor(private readonly opts: LoopbackOptions) {
    this.scopes = new Set(opts.scopes ?? manifestScopes());
    this.surface = opts.surface ?? 'agent_view';
    this.events = new Set(opts.events ?? manifestEvents());
    this.api = webApi(this.state, this, {
      socketUrl: () => this.link.ticketUrl(`ws://127.0.0.1:${this.port}`),
      onBotPost: (m) => {
        if (this.opts.echoBotPosts !== false) this.deliverEvent(this.messageEvent(m, m.channel.startsWith('D') ? 'im' : 'channel'));
      },
    });
    this.server = http.createServer((req, res) => {
      const match = /^\/api\/([A-Za-z.]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      void this.api.handle(req, res, match[1]!);
    });
    this.server.on('upgrade', (req, socket, head) => this.link.upgrade(req, socket, head));
  }

  static async start(opts: LoopbackOptions = {}): Promise<LoopbackSlack> {
    const slack = new LoopbackSlack(opts);
    await new Promise<void>((resolve) => slack.server.listen(0, '127.0.0.1', resolve));
    slack.port = (slack.server.address() as AddressInfo).port;
    return slack;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** The environment the Sentinel app needs to run against this workspace. */
  env(): Record<string, string> {
    return { SLACK_BOT_TOKEN: this.botToken, SLACK_APP_TOKEN: this.appToken, SLACK_API_URL: this.apiUrl };
  }

  addUser(u: SlackUserFixture): SlackUserFixture {
    this.state.users.set(u.id, u);
    return u;
  }

  failNext(method: string, failure: InjectedFailure, times = 1): void {
    this.api.failNext(method, failure, times);
  }

  // ---- people ----

  /** A user writes to the bot in their DM (top level, or in a thread with `threadTs`). */
  dm(user: string, text: string, opts: { threadTs?: string } = {}): PostedMessage & { eventId: string } {
    const m = this.userMessage(user, dmChannelOf(user), text, opts.threadTs);
    return { ...m, eventId: this.deliverEvent(this.messageEvent(m, 'im')) };
  }

  /**
   * A user @mentions the bot in a channel. Slack sends `app_mention`, and, when the app also listens
   * to channel messages, the same message again as `message` under another event_id.
   */
  mention(user: string, channel: string, text: string, opts: { threadTs?: string; alsoAsMessage?: boolean } = {}): PostedMessage & { eventId: string } {
    const m = this.userMessage(user, channel, `<@${this.botUserId}> ${text}`, opts.threadTs);
    const eventId = this.deliverEvent({ type: 'app_mention', user, text: m.text, ts: m.ts, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}), channel, event_ts: m.ts, team: this.team });
    if (opts.alsoAsMessage) this.deliverEvent(this.messageEvent(m, 'channel'));
    return { ...m, eventId };
  }

  /**
   * A user writes in a channel without mentioning the bot (top level, or in a thread with `threadTs`).
   * Slack sends it to the app only when it subscribed to `message.channels` (`message.groups` for a
   * private channel, G…); returns the event_id, or null when nothing was sent.
   */
  say(user: string, channel: string, text: string, opts: { threadTs?: string } = {}): PostedMessage & { eventId: string | null } {
    const m = this.userMessage(user, channel, text, opts.threadTs);
    const subscribed = this.events.has(channel.startsWith('G') ? 'message.groups' : 'message.channels');
    return { ...m, eventId: subscribed ? this.deliverEvent(this.messageEvent(m, channel.startsWith('G') ? 'group' : 'channel')) : null };
  }

  /**
   * A user presses Slack's Stop button on a thread's agent session. Slack shows it only while the session is
   * `processing`, and sends `agent_session_stopped` only to apps subscribed to it: returns the event_id,
   * or null when there was no button to press or nothing was sent.
   */
  pressStop(user: string, channel: string, threadTs: string): string | null {
    if (this.state.sessions.get(`${channel}/${threadTs}`)?.status !== 'processing' || !this.events.has('agent_session_stopped')) return null;
    return this.deliverEvent({ type: 'agent_session_stopped', channel, user, thread_ts: threadTs, streaming_message_ts: [], event_ts: this.state.nextTs() });
  }

  /**
   * A user opens the app's Messages tab (agent_view's signal that an agent conversation may start:
   * `app_home_opened` with `tab: "messages"`; no `assistant_thread_started` is sent).
   */
  openMessagesTab(user: string): string {
    return this.deliverEvent({ type: 'app_home_opened', user, channel: dmChannelOf(user), tab: 'messages', event_ts: this.state.nextTs() });
  }

  /** A user opens the Home tab. */
  openHomeTab(user: string): string {
    return this.deliverEvent({ type: 'app_home_opened', user, channel: dmChannelOf(user), tab: 'home', event_ts: this.state.nextTs() });
  }

  /**
   * Legacy assistant_view: the user opens a new assistant thread. Slack posts the thread's root itself
   * and sends `assistant_thread_started`. Returns the thread's ts.
   */
  startAssistantThread(user: string, context: { channelId?: string } = {}): string {
    const channel = dmChannelOf(user);
    const root: PostedMessage = { channel, ts: this.state.nextTs(), user: this.botUserId, bot_id: this.botId, text: 'Hi, how can I help?', updates: 0, reactions: new Set() };
    this.state.add(root);
    this.deliverEvent({
      type: 'assistant_thread_started',
      assistant_thread: { user_id: user, context: { ...(context.channelId ? { channel_id: context.channelId } : {}), team_id: this.team, enterprise_id: null }, channel_id: channel, thread_ts: root.ts },
      event_ts: this.state.nextTs(),
    });
    return root.ts;
  }

  /** agent_view: what the user is looking at beside the agent changed (`app_context_changed`). */
  contextChanged(user: string, viewing: { channelId?: string } = {}): string {
    const entities = viewing.channelId ? [{ type: 'slack#/types/channel_id', value: viewing.channelId, team_id: this.team }] : [];
    return this.deliverEvent({ type: 'app_context_changed', user, channel: dmChannelOf(user), context: entities.length ? { entities } : {}, event_ts: this.state.nextTs() });
  }

  /** A user clicks a button of a message the bot posted. Resolves once the app acked (or rejects after 3 s). */
  async click(user: string, message: PostedMessage, actionId: string, opts: { value?: string } = {}): Promise<{ envelopeId: string; ackMs: number }> {
    const buttons = (message.blocks ?? []).flatMap((b): Array<Record<string, any>> =>
      b.type === 'actions' ? (b.elements as Array<Record<string, any>>).map((e) => ({ ...e, block_id: b.block_id })) : [],
    );
    const button = buttons.find((e) => e.action_id === actionId);
    const value = opts.value ?? button?.value;
    if (value === undefined) throw new Error(`message ${message.ts} has no button ${actionId}`);
    const action = { type: 'button', action_id: actionId, block_id: button?.block_id ?? 'approval', text: { type: 'plain_text', text: actionId }, value, action_ts: `${Date.now() / 1000}` };
    return this.sendBlockAction(user, message, action, this.team).catch((err: unknown) => {
      throw new Error(`interactive envelope was not acked within 3 s (${(err as Error).message})`);
    });
  }

  /** A `block_actions` interactive envelope for one action on `message`; resolves once the app acked it. */
  private async sendBlockAction(user: string, message: PostedMessage, action: Record<string, unknown>, userTeam: string): Promise<{ envelopeId: string; ackMs: number }> {
    const u = this.state.users.get(user);
    const payload = {
      type: 'block_actions',
      user: { id: user, username: u?.name ?? user, name: u?.name ?? user, team_id: userTeam },
      api_app_id: this.appId,
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
      trigger_id: `${Date.now()}.trigger`,
      team: { id: this.team, domain: 'loopback' },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: message.channel },
      message: { type: 'message', user: message.user, bot_id: message.bot_id, text: message.text, ts: message.ts, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}), blocks: message.blocks },
      state: { values: {} },
      response_url: `http://127.0.0.1:${this.port}/actions/${randomUUID()}`,
      actions: [action],
    };
    const envelopeId = randomUUID();
    const sentAt = performance.now();
    this.link.send({ envelope_id: envelopeId, type: 'interactive', accepts_response_payload: true, payload });
    const ackedAt = await this.waitFor(() => this.link.acks.get(envelopeId), 3_000);
    return { envelopeId, ackMs: ackedAt - sentAt };
  }

  /**
   * A user presses 👍 (`up`) or 👎 (`down`) under a message: the `feedback_buttons` element of its
   * `context_actions` block. `force` sends the click for a message without them (a forged payload);
   * `userTeam` is the clicker's own workspace (another one for a Slack Connect guest in a shared channel).
   */
  async clickFeedback(user: string, message: PostedMessage, which: 'up' | 'down', opts: { force?: boolean; userTeam?: string } = {}): Promise<{ envelopeId: string; ackMs: number }> {
    const found = (message.blocks ?? [])
      .filter((b) => b.type === 'context_actions')
      .flatMap((b): Array<Record<string, any>> => (b.elements as Array<Record<string, any>>).map((e) => ({ ...e, block_id: b.block_id })))
      .find((e) => e.type === 'feedback_buttons');
    if (!found && !opts.force) throw new Error(`message ${message.ts} has no feedback buttons`);
    const button = found?.[which === 'up' ? 'positive_button' : 'negative_button'] as { value?: string; text?: unknown } | undefined;
    const action = {
      type: 'feedback_buttons',
      action_id: found?.action_id ?? 'sentinel_feedback',
      block_id: found?.block_id ?? 'forged',
      value: button?.value ?? which,
      text: button?.text ?? { type: 'plain_text', text: which === 'up' ? '👍' : '👎' },
      action_ts: `${Date.now() / 1000}`,
    };
    return this.sendBlockAction(user, message, action, opts.userTeam ?? this.team);
  }

  /**
   * A user clicks a button on their own Home tab (as `views.publish` last drew it: in an actions block or
   * a section's accessory). `value` picks among
   * buttons sharing the action_id (one per listed request); a stale or forged value can be forced with
   * `force`. Resolves once the app acked.
   */
  async clickInHome(user: string, actionId: string, value: string, opts: { force?: boolean } = {}): Promise<{ envelopeId: string; ackMs: number }> {
    const view = this.state.views.get(user);
    const blocks = (view?.blocks ?? []) as Array<Record<string, any>>;
    const button = blocks
      .flatMap((b): Array<Record<string, any>> =>
        b.type === 'actions'
          ? (b.elements as Array<Record<string, any>>).map((e) => ({ ...e, block_id: b.block_id }))
          : b.accessory?.type === 'button'
            ? [{ ...b.accessory, block_id: b.block_id }]
            : [],
      )
      .find((e) => e.action_id === actionId && e.value === value);
    if (!button && !opts.force) throw new Error(`${user}'s Home tab has no ${actionId} button for ${value}`);
    const u = this.state.users.get(user);
    const viewId = `V${user}`;
    const payload = {
      type: 'block_actions',
      user: { id: user, username: u?.name ?? user, name: u?.name ?? user, team_id: this.team },
      api_app_id: this.appId,
      token: 'legacy-verification-token',
      container: { type: 'view', view_id: viewId },
      trigger_id: `${Date.now()}.trigger`,
      team: { id: this.team, domain: 'loopback' },
      enterprise: null,
      is_enterprise_install: false,
      view: { id: viewId, team_id: this.team, type: 'home', blocks, private_metadata: '', callback_id: '', state: { values: {} }, hash: 'h', app_id: this.appId, bot_id: this.botId },
      actions: [{ type: 'button', action_id: actionId, block_id: button?.block_id ?? 'forged', text: { type: 'plain_text', text: actionId }, value, action_ts: `${Date.now() / 1000}` }],
    };
    const envelopeId = randomUUID();
    const sentAt = performance.now();
    this.link.send({ envelope_id: envelopeId, type: 'interactive', accepts_response_payload: true, payload });
    const ackedAt = await this.waitFor(() => this.link.acks.get(envelopeId), 3_000);
    return { envelopeId, ackMs: ackedAt - sentAt };
  }

  /**
   * Slack finalizes streams it has not heard from (reported at about five minutes, sometimes sooner): every
   * stream still open stops accepting appends, and they answer `message_not_in_streaming_state`.
   */
  expireStreams(): number {
    let n = 0;
    for (const m of this.state.messages) if (m.stream?.streaming) (m.stream.streaming = false), n++;
    return n;
  }

  /** Sends an events_api envelope; redelivers it under the same event_id while it goes unacked. Returns the event_id. */
  deliverEvent(event: Record<string, unknown>, opts: { eventId?: string; retryAttempt?: number } = {}): string {
    const eventId = opts.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`;
    const attempt = opts.retryAttempt ?? 0;
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type: 'events_api',
      accepts_response_payload: false,
      payload: {
        token: 'legacy-verification-token',
        team_id: this.team,
        api_app_id: this.appId,
        event,
        type: 'event_callback',
        event_id: eventId,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ enterprise_id: null, team_id: this.team, user_id: this.botUserId, is_bot: true, is_enterprise_install: false }],
        is_ext_shared_channel: false,
        event_context: `4-${eventId}`,
      },
      ...(attempt ? { retry_attempt: attempt, retry_reason: 'timeout' } : {}),
    };
    this.link.send(envelope);
    if (attempt < 3) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!this.link.acks.has(envelope.envelope_id)) this.deliverEvent(event, { eventId, retryAttempt: attempt + 1 });
      }, this.opts.ackTimeoutMs ?? 3_000);
      this.timers.add(timer);
    }
    return eventId;
  }

  /** Repeats an event exactly as Slack sometimes does after a lost ack. */
  redeliver(eventId: string): void {
    const original = this.link.sent.find((e) => e.type === 'events_api' && e.payload.event_id === eventId);
    if (!original) throw new Error(`no event ${eventId}`);
    this.deliverEvent(original.payload.event as Record<string, unknown>, { eventId, retryAttempt: 1 });
  }

  // ---- what the bot did ----

  botMessages(filter: { channel?: string; threadTs?: string } = {}): PostedMessage[] {
    return this.state.messages.filter(
      (m) => m.user === this.botUserId && (!filter.channel || m.channel === filter.channel) && (!filter.threadTs || m.thread_ts === filter.threadTs),
    );
  }

  /**
   * The bot's answers in a thread, waiting until there are at least `count`. A streamed message (a turn's
   * tasks, a summary as it is written) is a preview until the reply is written over it: it counts from then.
   */
  async replies(channel: string, threadTs: string, count = 1, timeoutMs = 10_000): Promise<PostedMessage[]> {
    return this.waitFor(() => {
      const r = this.botMessages({ channel, threadTs }).filter((m) => !m.stream || m.updates > 0);
      return r.length >= count ? r : undefined;
    }, timeoutMs);
  }

  /** Resolves with the first non-undefined value of `probe`, checked on every change in the workspace. */
  waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = probe();
        if (v === undefined) return;
        cleanup();
        resolve(v);
      };
      const tick = setInterval(check, 25);
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`loopback Slack: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearInterval(tick);
        clearTimeout(timer);
        this.state.off('changed', check);
      };
      this.state.on('changed', check);
      check();
    });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await this.link.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private userMessage(user: string, channel: string, text: string, threadTs?: string): PostedMessage {
    const m: PostedMessage = { channel, ts: this.state.nextTs(), thread_ts: threadTs, user, text, updates: 0, reactions: new Set() };
    this.state.add(m);
    this.state.touch();
    return m;
  }

  private messageEvent(m: PostedMessage, channelType: 'im' | 'channel' | 'group'): Record<string, unknown> {
    return {
      type: 'message',
      channel_type: channelType,
      channel: m.channel,
      user: m.user,
      ...(m.bot_id ? { bot_id: m.bot_id } : {}),
      text: m.text,
      ts: m.ts,
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
      event_ts: m.ts,
      team: this.team,
    };
  }
}
