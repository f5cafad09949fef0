import { Writable } from 'node:stream';
import { createLogger } from '../apps/logger';
import { scrubTokens } from '../apps/slack/bolt-logger';
import { loadConfig } from '../config';
import { canonicalJson } from '../db/canonical-json';
import { redactSecrets } from '../db/redact';
import { call, openSentinel, scriptedLlm } from './support/harness';

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
    expect(scrubTokens(line)).not.toMatch(/1234-5678|A0-99/);
    expect(scrubTokens(line)).toContain('xoxb-[redacted]');
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
