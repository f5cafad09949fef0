import pino, { type Logger } from 'pino';
import { redactText } from '../db/redact';

/** Paths pino blanks out wherever they appear in a log line: tokens, keys, passwords. */
const SECRET_KEYS = [
  'token', 'botToken', 'appToken', 'apiKey', 'apiToken', 'clientSecret', 'password', 'authorization',
  'OPENAI_API_KEY', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'OKTA_API_TOKEN', 'JIRA_API_TOKEN', 'INTUNE_CLIENT_SECRET',
];

/**
 * Paths pino blanks out wherever they appear in a log line: secret-named keys up to three levels deep
 * (pino's wildcards match one level each), and authorization headers of requests.
 */
export const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  'headers.authorization',
  '*.headers.authorization',
  '*.*.headers.authorization',
];

/**
 * Path redaction cannot see inside text, so the message string (and its format arguments) and error
 * messages and stacks are masked like the audit log: an error may quote what a user typed.
 */
const maskText = {
  hooks: {
    logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
      method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)));
    },
  },
  serializers: {
    err(err: Error) {
      const out = pino.stdSerializers.err(err);
      if (typeof out.message === 'string') out.message = redactText(out.message);
      if (typeof out.stack === 'string') out.stack = redactText(out.stack);
      return out;
    },
  },
};

/** Logs go to stderr so stdout stays clean for replies and `--json`. */
export function createLogger(level: string = 'info', destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'sentinel' }, ...maskText }, destination);
}
