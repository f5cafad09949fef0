import pino, { type Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log line: tokens, keys, passwords. */
export const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'apiKey',
  'password',
  'authorization',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.apiKey',
  '*.password',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'config.env.OPENAI_API_KEY',
  'config.env.SLACK_BOT_TOKEN',
  'config.env.SLACK_APP_TOKEN',
];

/** Logs go to stderr so stdout stays clean for replies and `--json`. */
export function createLogger(level: string = 'info', destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'sentinel' } }, destination);
}
