import fs from 'node:fs';
import path from 'node:path';
import { MAX_PROMPTS, promptsFor } from '../apps/slack/prompts';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'slack', 'manifest.json'), 'utf8'));

/** The Web API methods the app calls, and the bot scope each needs (from Slack's method docs). */
const SCOPE_OF: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.startStream': 'chat:write',
  'chat.appendStream': 'chat:write',
  'chat.stopStream': 'chat:write',
  'reactions.add': 'reactions:write',
  'reactions.remove': 'reactions:write',
  'users.info': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'conversations.open': 'im:write',
  // Reading back its own posts (a retried delivery checks whether the first attempt landed): every kind
  // of conversation a post can be in needs its own history scope; the test checks all three.
  'conversations.replies': 'channels:history',
  'conversations.history': 'channels:history',
  // Status lines take chat:write (assistant:write "for the time being"); prompts and titles need assistant:write.
  'assistant.threads.setStatus': 'chat:write',
  'assistant.threads.setSuggestedPrompts': 'assistant:write',
  'assistant.threads.setTitle': 'assistant:write',
  'agents.sessions.setStatus': 'chat:write',
  'agents.sessions.rename': 'chat:write',
};
const HISTORY_SCOPES = ['channels:history', 'groups:history', 'im:history'];

const APP_DIR = path.join(__dirname, '..', 'apps', 'slack');

function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => fs.readFileSync(path.join(e.parentPath ?? e.path, e.name), 'utf8'));
}

function methodsCalledIn(dir: string): Set<string> {
  const found = new Set<string>();
  for (const src of sources(dir)) {
    for (const m of src.matchAll(/client\.(chat|reactions|users|conversations|views)\.(\w+)\(/g)) found.add(`${m[1]}.${m[2]}`);
    for (const m of src.matchAll(/client\.(assistant\.threads|agents\.sessions)\.(\w+)\(/g)) found.add(`${m[1]!.split('.')[0]}.${m[1]!.split('.')[1]}.${m[2]}`);
    if (/client\.reactions\[method\]/.test(src)) ['reactions.add', 'reactions.remove'].forEach((x) => found.add(x));
  }
  return found;
}

/** The event types the app has listeners for (`app.event('…')`). */
function eventsListenedIn(dir: string): Set<string> {
  const found = new Set<string>();
  for (const src of sources(dir)) for (const m of src.matchAll(/app\.event\(\s*'(\w+)'/g)) found.add(m[1]!);
  return found;
}

/**
 * Listened for, deliberately not subscribed: `assistant_thread_started` exists only for apps still on the
 * legacy `assistant_view` (agent_view never sends it, and new apps cannot choose assistant_view).
 */
const LEGACY_EVENTS = new Set(['assistant_thread_started']);
/** A subscription's event type: `message.im`, `message.channels`… all arrive as `message`. */
const eventOf = (subscription: string) => subscription.split('.')[0]!;

describe('Slack app manifest', () => {
  test('runs in Socket Mode with interactivity on (no public URL needed)', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url).toBeUndefined();
    expect(manifest.settings.event_subscriptions.request_url).toBeUndefined();
  });

  test('subscribes to exactly the events the app listens for', () => {
    const subscribed: string[] = manifest.settings.event_subscriptions.bot_events;
    const listened = eventsListenedIn(APP_DIR);
    // Every subscription has a listener (nothing is sent to the app for nothing) …
    for (const s of subscribed) expect([s, listened.has(eventOf(s))]).toEqual([s, true]);
    // … and every listener is subscribed, legacy assistant_view events aside.
    const subscribedTypes = new Set(subscribed.map(eventOf));
    for (const e of listened) if (!LEGACY_EVENTS.has(e)) expect([e, subscribedTypes.has(e)]).toEqual([e, true]);
    for (const e of LEGACY_EVENTS) expect(subscribed).not.toContain(e);
    // DMs and mentions, as before (workspaces on the older manifest rely on them).
    expect(subscribed).toEqual(expect.arrayContaining(['app_home_opened', 'app_mention', 'message.im']));
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['app_mentions:read', 'im:history']));
    // Each message subscription needs its history scope.
    const historyScope: Record<string, string> = { 'message.im': 'im:history', 'message.channels': 'channels:history', 'message.groups': 'groups:history', 'message.mpim': 'mpim:history' };
    for (const s of subscribed.filter((x) => x.startsWith('message.'))) expect(manifest.oauth_config.scopes.bot).toContain(historyScope[s]);
  });

  test('declares the agent messaging experience (agent_view) with at most four suggested prompts', () => {
    const agent = manifest.features.agent_view;
    expect(typeof agent.agent_description).toBe('string');
    expect(agent.agent_description.length).toBeGreaterThan(0);
    expect(agent.agent_description.length).toBeLessThanOrEqual(300);
    expect(agent.suggested_prompts.length).toBeGreaterThan(0);
    expect(agent.suggested_prompts.length).toBeLessThanOrEqual(MAX_PROMPTS);
    // The static prompts (shown before the app sets its own) are the employee set the app would set.
    expect(agent.suggested_prompts).toEqual(promptsFor('employee'));
    // agent_view replaced assistant_view; a manifest with both is rejected for new apps.
    expect(manifest.features.assistant_view).toBeUndefined();
    expect(manifest.oauth_config.scopes.bot).toContain('assistant:write');
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
    expect(manifest.features.app_home.messages_tab_read_only_enabled).toBe(false);
  });

  test('grants a scope for every Web API method the app calls', () => {
    const called = methodsCalledIn(APP_DIR);
    expect(called.size).toBeGreaterThanOrEqual(7);
    for (const method of called) {
      if (method === 'views.publish') continue; // needs no scope beyond the Home tab being enabled
      expect(SCOPE_OF[method]).toBeDefined();
      expect(manifest.oauth_config.scopes.bot).toContain(SCOPE_OF[method]);
    }
    if (called.has('conversations.history')) expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(HISTORY_SCOPES));
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });
});
