import { Writable } from 'node:stream';
import { createLogger } from '../apps/logger';
import { startSlackApp } from '../apps/slack/app';
import { slackSettings } from '../apps/slack/settings';
import { loadConfig } from '../config';
import { canonicalJson } from '../db/canonical-json';
import { redactSecrets, redactText } from '../db/redact';
import { call, openSentinel, scriptedLlm } from './support/harness';
import { LoopbackSlack } from './support/loopback-slack';
import { PEOPLE } from './support/slack-fixture';

const SECRETS = ['hunter2', 'xoxb-1234-5678-abcdef', 'xapp-1-A0-99-zz', 'sk-proj-abcdefghijklmnopqrstuv', 'AKIAABCDEFGHIJKLMNOP', 'S3cr3t!'];

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('trace', stream), text: () => lines.join('') };
}

describe('secrets never reach the logs or the audit log', () => {
  test('pino redacts tokens, keys, passwords and authorization headers wherever they sit', () => {
    const { logger, text } = capture();
    const config = loadConfig({ OPENAI_API_KEY: SECRETS[3]!, SLACK_BOT_TOKEN: SECRETS[1]!, SLACK_APP_TOKEN: SECRETS[2]! });
    logger.info({ config }, 'starting');
    logger.warn({ headers: { authorization: `Bearer ${SECRETS[1]}` } }, 'request');
    logger.error({ req: { headers: { authorization: `Bearer ${SECRETS[2]}` } }, password: SECRETS[0], user: { password: SECRETS[5] }, token: SECRETS[1] }, 'failed');
    logger.info({ llm: { apiKey: SECRETS[3] } }, 'llm');
    const out = text();
    expect(out).toContain('[redacted]');
    expect(out).toContain('"starting"');
    for (const s of SECRETS.slice(0, 4)) expect(out).not.toContain(s);
    expect(out).not.toContain(SECRETS[5]);
  });

  test('Bolt’s preformatted log strings are scrubbed of tokens', () => {
    const line = `http request headers: {"Authorization":"Bearer ${SECRETS[1]}"} url ws://x/?app=${SECRETS[2]}`;
    expect(redactText(line)).not.toMatch(/1234-5678|A0-99/);
    expect(redactText(line)).toContain('xoxb-[redacted]');
  });

  test('what the audit log keeps has secret-named fields blanked and secret-looking text masked', () => {
    const data = { description: `my password is ${SECRETS[0]} and the bot token ${SECRETS[1]}, key ${SECRETS[4]}`, password: SECRETS[5], nested: [{ apiKey: SECRETS[3] }], __proto__x: 1 };
    const kept = canonicalJson(redactSecrets(data));
    for (const s of SECRETS) expect(kept).not.toContain(s);
    expect(kept).toContain('password is [redacted]');
    // Non-secrets survive, including awkward keys.
    expect(JSON.parse(canonicalJson(redactSecrets(JSON.parse('{"__proto__":{"command":"wipe"},"device_id":"LAPTOP-1"}'))))).toEqual(JSON.parse('{"__proto__":{"command":"wipe"},"device_id":"LAPTOP-1"}'));
  });

  test('a ticket a user fills with their password is audited without it', async () => {
    const llm = scriptedLlm([{ text: null, calls: [call('create_support_ticket', { summary: 'VPN login fails', description: `my password is ${SECRETS[0]}; token ${SECRETS[1]}`, priority: 'low' })] }]);
    const s = openSentinel({ llm: llm.provider });
    const r = await s.runner.handleMessage('t', await s.identify('alice'), `vpn fails, my password is ${SECRETS[0]}`);
    expect(r.executed[0]!.ok).toBe(true);
    const audit = (s.database.sqlite.prepare('select data from audit').all() as Array<{ data: string }>).map((a) => a.data).join('\n');
    expect(audit).toContain('VPN login fails');
    expect(audit).not.toContain(SECRETS[0]);
    expect(audit).not.toContain(SECRETS[1]);
    await s.close();
  });
});

/**
 * Each kind of secret people paste into chat: what they type, and the part that must never be stored
 * or logged. The values are made up, in each vendor's documented format.
 */
const TYPED: Array<{ kind: string; text: string; secret: string }> = [
  { kind: 'a password after "password", no separator', text: 'password hunter2A', secret: 'hunter2A' },
  { kind: 'a password after "pw:"', text: 'pw: Tr0ub4dor', secret: 'Tr0ub4dor' },
  { kind: 'a password after "my password is"', text: 'my password is c0rrect-h0rse', secret: 'c0rrect-h0rse' },
  { kind: 'a password later in the sentence', text: 'I forgot my password, I think it was hunter3B', secret: 'hunter3B' },
  { kind: 'a password in an aside', text: 'reset my password (current one: Tr0ub4dor9)', secret: 'Tr0ub4dor9' },
  { kind: 'GitHub personal token', text: 'ghp_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2', secret: 'Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2' },
  { kind: 'GitHub OAuth token', text: 'gho_Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8', secret: 'Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8' },
  { kind: 'GitHub user-to-server token', text: 'ghu_Qa1Ws2Ed3Rf4Tg5Yh6Uj7Ik8Ol9Pz0Xc1Vb2', secret: 'Qa1Ws2Ed3Rf4Tg5Yh6Uj7Ik8Ol9Pz0Xc1Vb2' },
  { kind: 'GitHub server-to-server token', text: 'ghs_Mn1Bv2Cx3Zl4Kj5Hg6Fd7Sa8Po9Iu0Yt1Re2', secret: 'Mn1Bv2Cx3Zl4Kj5Hg6Fd7Sa8Po9Iu0Yt1Re2' },
  { kind: 'GitHub refresh token', text: 'ghr_Wq1Er2Ty3Ui4Op5As6Df7Gh8Jk9Lz0Xc1Vb2', secret: 'Wq1Er2Ty3Ui4Op5As6Df7Gh8Jk9Lz0Xc1Vb2' },
  { kind: 'GitHub fine-grained token', text: 'github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd', secret: 'mnopqrstuvwxyzABCDEFGHIJ' },
  { kind: 'JWT', text: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c', secret: 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c' },
  { kind: 'Google API key', text: 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI', secret: 'SyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI' },
  { kind: 'AWS access key id', text: 'AKIAIOSFODNN7EXAMPLE', secret: 'IOSFODNN7EXAMPLE' },
  { kind: 'private key block', text: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----', secret: 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU' },
  { kind: 'Slack bot token', text: 'xoxb-1111111111-2222222222-BotSecretValue01', secret: 'BotSecretValue01' },
  { kind: 'Slack user token', text: 'xoxp-1111111111-2222222222-UserSecretValue02', secret: 'UserSecretValue02' },
  { kind: 'Slack workspace token', text: 'xoxa-2-1111111111-AppSecretValue03', secret: 'AppSecretValue03' },
  { kind: 'Slack refresh token (xoxr)', text: 'xoxr-1111111111-RefreshSecretValue04', secret: 'RefreshSecretValue04' },
  { kind: 'Slack legacy token (xoxs)', text: 'xoxs-1111111111-LegacySecretValue05', secret: 'LegacySecretValue05' },
  { kind: 'Slack refresh token (xoxe)', text: 'xoxe-1-RotatingSecretValue06', secret: 'RotatingSecretValue06' },
  { kind: 'Slack rotated user token (xoxe.xoxp)', text: 'xoxe.xoxp-1-RotatedUserSecretValue07', secret: 'RotatedUserSecretValue07' },
  { kind: 'Slack app-level token', text: 'xapp-1-A0123456789-1234567890-AppLevelSecretValue08', secret: 'AppLevelSecretValue08' },
  { kind: 'Slack webhook URL', text: 'https://hooks.slack.com/services/T0123ABCD/B0123ABCD/WebhookSecretValue09', secret: 'WebhookSecretValue09' },
];

describe('secrets a user types are masked in the messages table, the audit log and Slack debug logs', () => {
  // One Slack run at debug level: each secret is its own DM (its own thread), and the LLM copies the
  // message into a ticket, so the text also reaches the audit log through the proposal's arguments.
  let seen: { audit: string; messages: string; logs: string };

  beforeAll(async () => {
    const slack = await LoopbackSlack.start();
    slack.addUser({ ...PEOPLE.alice });
    const { logger, text } = capture();
    const llm = scriptedLlm(TYPED.map(() => (message: string) => ({ text: null, calls: [call('create_support_ticket', { summary: 'help', description: message, priority: 'low' })] })));
    const env = slack.env();
    const sentinel = openSentinel({ llm: llm.provider, env });
    const settings = slackSettings(loadConfig({ SENTINEL_DB: sentinel.dbPath, ...env }));
    const app = await startSlackApp({ settings, sentinel, logger, socket: { clientPingTimeout: 200 } });
    try {
      for (const t of TYPED) {
        const m = slack.dm(PEOPLE.alice.id, `please file this: ${t.text}`);
        await slack.replies(m.channel, m.ts);
      }
    } finally {
      await app.stop();
      await slack.close();
    }
    const column = (sql: string) => (sentinel.database.sqlite.prepare(sql).all() as Array<{ v: string }>).map((r) => r.v).join('\n');
    seen = { audit: column('select data as v from audit'), messages: column("select content as v from messages where role = 'user'"), logs: text() };
    await sentinel.close();
  }, 60_000);

  test('the run really carried the messages everywhere checked (so absence below means masking)', () => {
    expect(seen.messages.split('please file this').length - 1).toBe(TYPED.length);
    expect(seen.audit).toContain('please file this');
    // Bolt logged the incoming envelopes: the text around each secret is in the debug output.
    expect(seen.logs).toContain('please file this');
  });

  test.each(TYPED)('$kind', ({ secret }) => {
    expect(seen.messages).not.toContain(secret);
    expect(seen.audit).not.toContain(secret);
    expect(seen.logs).not.toContain(secret);
  });
});

describe('masking leaves ordinary requests readable', () => {
  test.each(['reset my password', 'password reset for alice', 'my password is expired, it was set in 2020', 'my laptop is slow', 'I need access to aws-prod for 4 hours', 'what is the status of IT-1042?'])('%s', (text) => {
    expect(redactText(text)).toBe(text);
  });
});
