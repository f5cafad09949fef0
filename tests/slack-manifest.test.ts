import fs from 'node:fs';
import path from 'node:path';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'slack', 'manifest.json'), 'utf8'));

/** The Web API methods the app calls, and the bot scope each needs (from Slack's method docs). */
const SCOPE_OF: Record<string, string> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'reactions.add': 'reactions:write',
  'reactions.remove': 'reactions:write',
  'users.info': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'conversations.open': 'im:write',
  // Reading back its own posts (a retried delivery checks whether the first attempt landed): every kind
  // of conversation a post can be in needs its own history scope; the test checks all three.
  'conversations.replies': 'channels:history',
  'conversations.history': 'channels:history',
};
const HISTORY_SCOPES = ['channels:history', 'groups:history', 'im:history'];

function methodsCalledIn(dir: string): Set<string> {
  const found = new Set<string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const src = fs.readFileSync(path.join(entry.parentPath ?? entry.path, entry.name), 'utf8');
    for (const m of src.matchAll(/client\.(chat|reactions|users|conversations|views)\.(\w+)\(/g)) found.add(`${m[1]}.${m[2]}`);
    if (/client\.reactions\[method\]/.test(src)) ['reactions.add', 'reactions.remove'].forEach((x) => found.add(x));
  }
  return found;
}

describe('Slack app manifest', () => {
  test('runs in Socket Mode with interactivity on (no public URL needed)', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.interactivity.request_url).toBeUndefined();
    expect(manifest.settings.event_subscriptions.request_url).toBeUndefined();
  });

  test('subscribes to the events the app listens for', () => {
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['app_home_opened', 'app_mention', 'message.im']);
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['app_mentions:read', 'im:history']));
  });

  test('grants a scope for every Web API method the app calls', () => {
    const called = methodsCalledIn(path.join(__dirname, '..', 'apps', 'slack'));
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
