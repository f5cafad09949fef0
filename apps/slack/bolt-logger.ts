import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from 'pino';

const SECRET = /\b(xox[abposre]-|xapp-)[A-Za-z0-9-]+/g;

/** Bolt logs preformatted strings, which pino's path redaction cannot see into: scrub tokens from them. */
export function scrubTokens(text: string): string {
  return text.replace(SECRET, '$1[redacted]');
}

function line(parts: unknown[]): string {
  return scrubTokens(parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.stack ?? p.message : JSON.stringify(p))).join(' '));
}

const FROM_PINO: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/** Adapts pino to `@slack/logger`'s interface so Bolt, the socket client and the Web API client log through it. */
export function boltLogger(parent: Logger): BoltLogger {
  let log = parent.child({ component: 'bolt' });
  return {
    debug: (...m) => log.debug(line(m)),
    info: (...m) => log.info(line(m)),
    warn: (...m) => log.warn(line(m)),
    error: (...m) => log.error(line(m)),
    // The level is pino's, set once from LOG_LEVEL; Bolt asking for another is ignored on purpose.
    setLevel: () => undefined,
    getLevel: () => FROM_PINO[log.level] ?? LogLevel.INFO,
    setName: (name) => {
      log = parent.child({ component: name });
    },
  };
}
