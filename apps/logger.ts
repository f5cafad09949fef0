import pino, { type Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log line: tokens, keys, passwords. */
const SECRET_KEYS = ['token', 'botToken', 'appToken', 'apiKey', 'password', 'authorization', 'OPENAI_API_KEY', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN'];

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

/** Logs go to stderr so stdout stays clean for replies and `--json`. */
export function createLogger(level: string = 'info', destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'sentinel' } }, destination);
}
