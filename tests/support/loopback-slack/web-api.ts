import type { IncomingMessage, ServerResponse } from 'node:http';
import { dmChannelOf, type AgentSession, type PostedMessage, type StreamedTask, type WorkspaceState } from './state';

export interface Identity {
  team: string;
  botUserId: string;
  botId: string;
  botToken: string;
  appToken: string;
  /** The bot scopes the workspace granted (the manifest's, unless a test installs an older one). */
  scopes: ReadonlySet<string>;
  /** Which agent surface the app has: `agent_view` (the default since 2026-06-30) or the legacy `assistant_view`. */
  surface: 'agent_view' | 'assistant_view';
  /** The bot events the install subscribed to. */
  events: ReadonlySet<string>;
}

type Params = Record<string, unknown>;
type Answer = Record<string, unknown>;
type Handler = (p: Params, token: string) => Answer;

export interface InjectedFailure {
  status?: number;
  retryAfter?: number;
  error?: string;
  /** Answer (normally, unless status/error is set too) only after this long: a slow Slack. */
  delayMs?: number;
}

const JSON_FIELDS = ['blocks', 'view', 'metadata', 'attachments', 'prompts', 'loading_messages', 'chunks'];

/**
 * Scopes checked for the agent methods (any one of them will do), as their reference pages list them;
 * a workspace that installed an older manifest gets `missing_scope`, as Slack answers.
 */
const AGENT_SCOPES: Record<string, string[]> = {
  'assistant.threads.setStatus': ['chat:write', 'assistant:write'],
  'assistant.threads.setSuggestedPrompts': ['assistant:write'],
  'assistant.threads.setTitle': ['assistant:write'],
  'agents.sessions.setStatus': ['chat:write'],
  'chat.startStream': ['chat:write'],
  'chat.appendStream': ['chat:write'],
  'chat.stopStream': ['chat:write'],
};
/** chat.startStream / appendStream: markdown_text up to 12,000 characters. */
const MAX_STREAM_TEXT = 12_000;
const SESSION_STATUSES = new Set(['active', 'processing', 'suspended', 'closed']);
const TASK_STATUSES = new Set(['pending', 'in_progress', 'complete', 'error']);

/**
 * Chunks as @slack/types `chunk.ts` defines them (markdown_text, task_update, plan_update, blocks): their
 * text and task updates, or null when one is malformed (Slack answers `invalid_chunks`).
 */
function readChunks(chunks: unknown): { text: string; tasks: StreamedTask[] } | null {
  if (!Array.isArray(chunks) || chunks.length === 0) return null;
  let text = '';
  const tasks: StreamedTask[] = [];
  for (const c of chunks as Array<Record<string, unknown>>) {
    if (typeof c !== 'object' || c === null) return null;
    if (c.type === 'markdown_text' && typeof c.text === 'string') text += c.text;
    else if (c.type === 'task_update' && typeof c.id === 'string' && c.id && typeof c.title === 'string' && c.title && TASK_STATUSES.has(c.status as string)) {
      tasks.push({ id: c.id, title: c.title, status: c.status as StreamedTask['status'], ...(typeof c.details === 'string' ? { details: c.details } : {}), ...(typeof c.output === 'string' ? { output: c.output } : {}) });
    } else if (c.type === 'plan_update' && typeof c.title === 'string') continue;
    else if (c.type === 'blocks' && Array.isArray(c.blocks) && c.blocks.length <= 50) continue;
    else return null;
  }
  return { text, tasks };
}

/** Form bodies carry objects as JSON strings and booleans as "true"/"false", as Slack receives them. */
function parseBody(raw: string, contentType: string | undefined): Params {
  if (contentType?.includes('application/json')) return raw ? (JSON.parse(raw) as Params) : {};
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = JSON_FIELDS.includes(k) ? JSON.parse(v) : v === 'true' ? true : v === 'false' ? false : v;
  }
  return out;
}

const fail = (error: string): Answer => ({ ok: false, error });
/** A stored message as the Web API returns it: metadata only when the reader asked for all of it. */
const wire = ({ reactions: _r, updates: _u, postedAt: _p, stream: _s, metadata, ...m }: PostedMessage, withMetadata: boolean) => (withMetadata && metadata ? { ...m, metadata } : m);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const isPrompt = (p: unknown): p is { title: string; message: string } =>
  typeof p === 'object' && p !== null && typeof (p as { title?: unknown }).title === 'string' && typeof (p as { message?: unknown }).message === 'string' && (p as { title: string }).title.length > 0 && (p as { message: string }).message.length > 0;

/** The Web API methods Sentinel uses, answering like Slack: HTTP 200, `{ok: …}`. */
export function webApi(state: WorkspaceState, id: Identity, opts: { socketUrl: () => string; onBotPost: (m: PostedMessage) => void }) {
  const failures = new Map<string, InjectedFailure[]>();

  const userJson = (userId: string) => {
    const u = state.users.get(userId);
    if (!u) return null;
    return {
      id: u.id,
      team_id: id.team,
      name: u.name,
      real_name: u.name,
      deleted: u.deleted ?? false,
      is_bot: u.is_bot ?? false,
      is_admin: false,
      is_restricted: u.is_restricted ?? false,
      is_ultra_restricted: u.is_ultra_restricted ?? false,
      ...(u.is_stranger ? { is_stranger: true } : {}),
      profile: { email: u.email, display_name: u.name, real_name: u.name },
    };
  };

  /** A conversation the bot can act in: a DM with a known user, or a channel it is a member of. */
  const knownChannel = (channel: string | undefined): channel is string =>
    !!channel && (channel.startsWith('D') ? state.users.has(channel.slice(1)) : /^[CG]/.test(channel) && !state.channelsWithoutBot.has(channel));

  /** The streamed message an append/stop names, or the error Slack gives for it. */
  const streamed = (p: Params): { ok: true; m: PostedMessage } | { ok: false; answer: Answer } => {
    const m = state.find(str(p.channel) ?? '', str(p.ts) ?? '');
    if (!m) return { ok: false, answer: fail('message_not_found') };
    if (m.user !== id.botUserId) return { ok: false, answer: fail('message_not_owned_by_app') };
    if (!m.stream?.streaming) return { ok: false, answer: fail('message_not_in_streaming_state') };
    return { ok: true, m };
  };

  const setStatus = (channel: string, threadTs: string, status: string, by: 'call' | 'reply') => {
    state.statuses.set(`${channel}/${threadTs}`, status);
    state.statusLog.push({ channel, threadTs, status, by });
  };

  const botOnly: Record<string, Handler> = {
    'auth.test': () => ({ ok: true, url: 'https://loopback.slack.com/', team: 'Loopback', user: 'sentinel', team_id: id.team, user_id: id.botUserId, bot_id: id.botId }),
    'chat.postMessage': (p) => {
      const channel = str(p.channel);
      if (!channel) return fail('channel_not_found');
      if (!str(p.text) && !Array.isArray(p.blocks)) return fail('no_text');
      if (state.channelsWithoutBot.has(channel)) return fail('not_in_channel');
      const m: PostedMessage = {
        channel,
        ts: state.nextTs(),
        thread_ts: str(p.thread_ts),
        user: id.botUserId,
        bot_id: id.botId,
        text: str(p.text) ?? '',
        blocks: p.blocks as PostedMessage['blocks'],
        ...(p.metadata && typeof p.metadata === 'object' ? { metadata: p.metadata as Record<string, unknown> } : {}),
        updates: 0,
        reactions: new Set(),
        postedAt: performance.now(),
      };
      state.add(m);
      // "The status will be automatically cleared when the app sends a reply."
      if (m.thread_ts && state.statuses.get(`${channel}/${m.thread_ts}`)) setStatus(channel, m.thread_ts, '', 'reply');
      opts.onBotPost(m);
      return { ok: true, channel, ts: m.ts, message: { type: 'message', user: m.user, bot_id: m.bot_id, text: m.text, ts: m.ts, thread_ts: m.thread_ts, blocks: m.blocks } };
    },
    'chat.update': (p) => {
      const m = state.find(str(p.channel) ?? '', str(p.ts) ?? '');
      if (!m) return fail('message_not_found');
      if (m.user !== id.botUserId) return fail('cant_update_message');
      if (str(p.text) !== undefined) m.text = str(p.text)!;
      if (Array.isArray(p.blocks)) m.blocks = p.blocks as PostedMessage['blocks'];
      if (p.metadata && typeof p.metadata === 'object') m.metadata = p.metadata as Record<string, unknown>;
      m.updates += 1;
      return { ok: true, channel: m.channel, ts: m.ts, text: m.text, message: { text: m.text, blocks: m.blocks } };
    },
    'chat.postEphemeral': (p) => {
      const channel = str(p.channel);
      const user = str(p.user);
      if (!channel || !user) return fail('invalid_arguments');
      if (!state.users.has(user)) return fail('user_not_found');
      state.ephemerals.push({ channel, user, text: str(p.text) ?? '', thread_ts: str(p.thread_ts) });
      return { ok: true, message_ts: state.nextTs() };
    },
    'reactions.add': (p) => {
      const m = state.find(str(p.channel) ?? '', str(p.timestamp) ?? '');
      if (!m) return fail('message_not_found');
      const name = str(p.name) ?? '';
      if (m.reactions.has(name)) return fail('already_reacted');
      m.reactions.add(name);
      return { ok: true };
    },
    'reactions.remove': (p) => {
      const m = state.find(str(p.channel) ?? '', str(p.timestamp) ?? '');
      if (!m) return fail('message_not_found');
      if (!m.reactions.delete(str(p.name) ?? '')) return fail('no_reaction');
      return { ok: true };
    },
    'users.info': (p) => {
      const user = userJson(str(p.user) ?? '');
      return user ? { ok: true, user } : fail('user_not_found');
    },
    'users.lookupByEmail': (p) => {
      const email = (str(p.email) ?? '').toLowerCase();
      const u = [...state.users.values()].find((x) => x.email?.toLowerCase() === email && !x.deleted);
      return u ? { ok: true, user: userJson(u.id) } : fail('users_not_found');
    },
    'usergroups.users.list': (p) => {
      const members = state.usergroups.get(str(p.usergroup) ?? '');
      return members ? { ok: true, users: members } : fail('no_such_subteam');
    },
    'conversations.open': (p) => {
      const users = (str(p.users) ?? '').split(',').filter(Boolean);
      if (users.length !== 1 || !state.users.has(users[0]!)) return fail('user_not_found');
      return { ok: true, channel: { id: dmChannelOf(users[0]!) } };
    },
    'conversations.replies': (p) => {
      const channel = str(p.channel) ?? '';
      const ts = str(p.ts) ?? '';
      const root = state.find(channel, ts);
      if (!root) return fail('thread_not_found');
      const replies = state.messages.filter((m) => m.channel === channel && m.thread_ts === ts && m.ts !== ts);
      return { ok: true, has_more: false, messages: [root, ...replies].map((m) => wire(m, p.include_all_metadata === true)) };
    },
    // Top-level messages of a channel, newest first, from `oldest` on (the thread replies are not listed).
    'conversations.history': (p) => {
      const channel = str(p.channel) ?? '';
      if (state.channelsWithoutBot.has(channel)) return fail('not_in_channel');
      const oldest = Number(str(p.oldest) ?? 0);
      const limit = Math.min(Number(str(p.limit) ?? 100), 999);
      const top = state.messages.filter((m) => m.channel === channel && (!m.thread_ts || m.thread_ts === m.ts) && Number(m.ts) >= oldest);
      return { ok: true, has_more: top.length > limit, messages: top.reverse().slice(0, limit).map((m) => wire(m, p.include_all_metadata === true)) };
    },
    // https://docs.slack.dev/reference/methods/assistant.threads.setStatus — "" clears; up to 10 loading messages.
    'assistant.threads.setStatus': (p) => {
      const channel = str(p.channel_id);
      const threadTs = str(p.thread_ts);
      const status = str(p.status);
      if (!channel || !threadTs || status === undefined) return fail('invalid_arguments');
      if (p.loading_messages !== undefined && (!Array.isArray(p.loading_messages) || p.loading_messages.length > 10)) return fail('invalid_arguments');
      if (!knownChannel(channel)) return fail('channel_not_found');
      if (!state.find(channel, threadTs)) return fail('invalid_thread_ts');
      setStatus(channel, threadTs, status, 'call');
      return { ok: true };
    },
    // https://docs.slack.dev/reference/methods/assistant.threads.setSuggestedPrompts — at most 4; under agent_view
    // they belong to the DM, and a call with thread_ts "will silently fail".
    'assistant.threads.setSuggestedPrompts': (p) => {
      const channel = str(p.channel_id);
      const threadTs = str(p.thread_ts);
      const prompts = p.prompts;
      if (!channel || !Array.isArray(prompts) || prompts.length > 4 || !prompts.every(isPrompt)) return fail('invalid_arguments');
      if (!channel.startsWith('D') || !knownChannel(channel)) return fail('channel_not_found');
      const shown = { ...(str(p.title) ? { title: str(p.title) } : {}), prompts: prompts.map(({ title, message }) => ({ title, message })) };
      if (id.surface === 'agent_view') {
        if (threadTs === undefined) state.suggestedPrompts.set(channel, shown);
        return { ok: true };
      }
      if (threadTs === undefined || !state.find(channel, threadTs)) return fail(threadTs === undefined ? 'invalid_arguments' : 'invalid_thread_ts');
      state.suggestedPrompts.set(`${channel}/${threadTs}`, shown);
      return { ok: true };
    },
    // https://docs.slack.dev/reference/methods/chat.startStream — a reply in a thread; in channels the
    // recipient (user and team) is required; markdown_text or chunks, not both.
    'chat.startStream': (p) => {
      const channel = str(p.channel);
      const threadTs = str(p.thread_ts);
      if (!channel || !threadTs) return fail('invalid_arguments');
      if (p.markdown_text !== undefined && p.chunks !== undefined) return fail('cannot_provide_both_markdown_text_and_chunks');
      const chunks = p.chunks !== undefined ? readChunks(p.chunks) : undefined;
      if (chunks === null) return fail('invalid_chunks');
      const text = chunks ? chunks.text : str(p.markdown_text) ?? '';
      if (text.length > MAX_STREAM_TEXT) return fail('msg_too_long');
      if (!knownChannel(channel)) return fail(state.channelsWithoutBot.has(channel) ? 'not_in_channel' : 'channel_not_found');
      if (!channel.startsWith('D')) {
        if (!str(p.recipient_user_id)) return fail('missing_recipient_user_id');
        if (!str(p.recipient_team_id)) return fail('missing_recipient_team_id');
      }
      if (!state.find(channel, threadTs)) return fail('invalid_thread_ts');
      const m: PostedMessage = {
        channel,
        ts: state.nextTs(),
        thread_ts: threadTs,
        user: id.botUserId,
        bot_id: id.botId,
        text,
        updates: 0,
        reactions: new Set(),
        postedAt: performance.now(),
        stream: chunks ? { streaming: true, mode: 'chunks', appends: 0, tasks: chunks.tasks } : { streaming: true, mode: 'markdown', appends: 0 },
      };
      state.add(m);
      return { ok: true, channel, ts: m.ts };
    },
    // https://docs.slack.dev/reference/methods/chat.appendStream
    'chat.appendStream': (p) => {
      const found = streamed(p);
      if (!found.ok) return found.answer;
      const m = found.m;
      if (p.markdown_text !== undefined && p.chunks !== undefined) return fail('cannot_provide_both_markdown_text_and_chunks');
      if ((p.chunks !== undefined ? 'chunks' : 'markdown') !== m.stream!.mode) return fail('streaming_mode_mismatch');
      const chunks = p.chunks !== undefined ? readChunks(p.chunks) : undefined;
      if (chunks === null) return fail('invalid_chunks');
      const text = chunks ? chunks.text : str(p.markdown_text) ?? '';
      if (text.length > MAX_STREAM_TEXT) return fail('msg_too_long');
      m.text += text;
      if (chunks) m.stream!.tasks!.push(...chunks.tasks);
      m.stream!.appends += 1;
      return { ok: true, channel: m.channel, ts: m.ts };
    },
    // https://docs.slack.dev/reference/methods/chat.stopStream — optional last text, blocks after it (≤50).
    'chat.stopStream': (p) => {
      const found = streamed(p);
      if (!found.ok) return found.answer;
      const m = found.m;
      if (p.markdown_text !== undefined && m.stream!.mode !== 'markdown') return fail('streaming_mode_mismatch');
      if (p.chunks !== undefined && m.stream!.mode !== 'chunks') return fail('streaming_mode_mismatch');
      const chunks = p.chunks !== undefined ? readChunks(p.chunks) : undefined;
      if (chunks === null) return fail('invalid_chunks');
      if (p.blocks !== undefined && (!Array.isArray(p.blocks) || p.blocks.length > 50)) return fail('msg_blocks_too_many');
      m.text += chunks ? chunks.text : str(p.markdown_text) ?? '';
      if (chunks) m.stream!.tasks!.push(...chunks.tasks);
      if (Array.isArray(p.blocks)) m.blocks = p.blocks as PostedMessage['blocks'];
      if (p.metadata && typeof p.metadata === 'object') m.metadata = p.metadata as Record<string, unknown>;
      m.stream!.streaming = false;
      opts.onBotPost(m);
      return { ok: true, channel: m.channel, ts: m.ts, message: { text: m.text, blocks: m.blocks, streaming_state: 'completed' } };
    },
    // https://docs.slack.dev/reference/methods/agents.sessions.setStatus — title and initiator only when the
    // session is created; apps not subscribed to agent_session_stopped get a warning (their users see a spinner).
    'agents.sessions.setStatus': (p) => {
      const channel = str(p.channel_id);
      const threadTs = str(p.thread_ts);
      const status = str(p.status);
      if (!status || !SESSION_STATUSES.has(status)) return fail('invalid_arguments');
      if (!channel || !threadTs) return fail('invalid_arguments');
      if (!knownChannel(channel)) return fail('channel_not_found');
      if (!state.find(channel, threadTs)) return fail('invalid_thread_ts');
      const key = `${channel}/${threadTs}`;
      const title = str(p.title);
      if (title !== undefined && (title.length < 1 || title.length > 200)) return fail('invalid_arguments');
      const existing = state.sessions.get(key);
      const session: AgentSession = existing
        ? { ...existing, status: status as AgentSession['status'] }
        : { status: status as AgentSession['status'], ...(title ? { title } : {}), ...(str(p.initiator_user_id) ? { initiator: str(p.initiator_user_id) } : {}) };
      state.sessions.set(key, session);
      return {
        ok: true,
        status: session.status,
        ...(session.title ? { title: session.title } : {}),
        ...(id.events.has('agent_session_stopped') ? {} : { warning: 'missing_agent_session_stopped_event_subscription' }),
      };
    },
    'views.publish': (p) => {
      const user = str(p.user_id);
      if (!user || typeof p.view !== 'object' || p.view === null) return fail('invalid_arguments');
      state.views.set(user, p.view as Record<string, unknown>);
      return { ok: true, view: { id: `V${state.views.size}`, ...(p.view as object) } };
    },
  };

  function answer(method: string, params: Params, token: string | null, injected: InjectedFailure | undefined): { status: number; headers?: Record<string, string>; body: Answer } {
    state.calls.push({ method, params, token });
    if (injected?.status) return { status: injected.status, headers: injected.retryAfter !== undefined ? { 'Retry-After': String(injected.retryAfter) } : {}, body: fail('ratelimited') };
    if (injected?.error) return { status: 200, body: fail(injected.error) };
    if (!token) return { status: 200, body: fail('not_authed') };
    if (method === 'apps.connections.open') {
      return { status: 200, body: token === id.appToken ? { ok: true, url: opts.socketUrl() } : fail('invalid_auth') };
    }
    const handler = botOnly[method];
    if (!handler) return { status: 200, body: fail('unknown_method') };
    if (token !== id.botToken) return { status: 200, body: fail(token === id.appToken ? 'not_allowed_token_type' : 'invalid_auth') };
    const needed = AGENT_SCOPES[method];
    if (needed && !needed.some((scope) => id.scopes.has(scope))) {
      return { status: 200, body: { ok: false, error: 'missing_scope', needed: needed.join(','), provided: [...id.scopes].join(',') } };
    }
    return { status: 200, body: handler(params, token) };
  }

  return {
    /** Makes the next call(s) of `method` fail: an HTTP status (429 + Retry-After) or an `ok:false` error. */
    failNext(method: string, failure: InjectedFailure, times = 1) {
      const list = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) list.push(failure);
      failures.set(method, list);
    },
    async handle(req: IncomingMessage, res: ServerResponse, method: string) {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      let params: Params;
      try {
        params = parseBody(raw, req.headers['content-type']);
      } catch {
        params = {};
      }
      const auth = req.headers.authorization;
      const token = auth?.startsWith('Bearer ') ? auth.slice(7) : str(params.token) ?? null;
      const injected = failures.get(method)?.shift();
      if (injected?.delayMs) await new Promise((resolve) => setTimeout(resolve, injected.delayMs));
      const { status, headers, body } = answer(method, params, token, injected);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
      state.touch();
    },
  };
}
