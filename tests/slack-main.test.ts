import { tempDbPath } from './support/harness';
import { LoopbackSlack } from './support/loopback-slack';
import { runEntry, startEntry } from './support/processes';
import { PEOPLE } from './support/slack-fixture';

const MAIN = 'apps/slack/main.ts';
const startOnce = (env: Record<string, string>) => runEntry(MAIN, [], { SENTINEL_DB: tempDbPath(), ...env });

describe('npm start (the Slack app as a child process)', () => {
  test('missing tokens: one clear message naming the variable, and a pointer to npm run cli', () => {
    const r = startOnce({});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SLACK_BOT_TOKEN: not set/);
    expect(r.stderr).toMatch(/npm run cli/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  test('malformed tokens are named before anything connects', () => {
    expect(startOnce({ SLACK_BOT_TOKEN: 'xoxp-user-token' }).stderr).toMatch(/SLACK_BOT_TOKEN: does not look like a bot token/);
    const r = startOnce({ SLACK_BOT_TOKEN: 'xoxb-1-ok', SLACK_APP_TOKEN: 'xoxb-wrong-kind' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SLACK_APP_TOKEN: does not look like an app-level token/);
    expect(startOnce({ SLACK_BOT_TOKEN: 'xoxb-1-ok', SLACK_APP_TOKEN: 'xapp-1-ok', SENTINEL_APPROVALS_CHANNEL: '#it' }).stderr).toMatch(/SENTINEL_APPROVALS_CHANNEL/);
  });

  describe('against a loopback Slack', () => {
    let slack: LoopbackSlack;
    beforeEach(async () => {
      slack = await LoopbackSlack.start();
      slack.addUser({ ...PEOPLE.alice });
    });
    afterEach(async () => {
      await slack.close();
    });

    test.each([
      ['SLACK_BOT_TOKEN', 'xoxb-revoked', /Slack rejected SLACK_BOT_TOKEN \(auth\.test: invalid_auth\)/],
      ['SLACK_APP_TOKEN', 'xapp-1-revoked', /Socket Mode connection for SLACK_APP_TOKEN \(apps\.connections\.open: invalid_auth\)/],
    ])('a %s Slack rejects is reported by name, without a crash', async (variable, value, message) => {
      const app = startEntry(MAIN, { SENTINEL_DB: tempDbPath(), ...slack.env(), [variable]: value });
      expect(await app.exited).toBe(2);
      expect(app.stderr()).toMatch(message);
    });

    test('answers a DM, stops cleanly on SIGTERM, and never logs a token (even at debug level)', async () => {
      const { child, stderr: logs, exited } = startEntry(MAIN, { SENTINEL_DB: tempDbPath(), ...slack.env(), LOG_LEVEL: 'debug' });
      await slack.waitFor(() => (slack.link.connected ? true : undefined), 30_000);
      const m = slack.dm(PEOPLE.alice.id, 'reset my password');
      const [answer] = await slack.replies(m.channel, m.ts, 1, 30_000);
      expect(answer!.text).toMatch(/password reset link to alice@example\.com/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const stderr = logs();
      expect(stderr).toMatch(/connected to Slack/);
      expect(stderr.length).toBeGreaterThan(1000); // debug logging really ran
      expect(stderr).not.toContain(slack.botToken.slice(5));
      expect(stderr).not.toContain(slack.appToken.slice(5));
    }, 60_000);
  });
});
