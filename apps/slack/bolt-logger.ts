import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from 'pino';
import { redactText } from '../../db/redact';

/** A log argument as text; an object JSON cannot write (a cycle, a BigInt) is logged by its type, never thrown. */
function asText(p: unknown): string {
  if (typeof p === 'string') return p;
  if (p instanceof Error) return p.stack ?? p.message;
  try {
    return JSON.stringify(p) ?? String(p);
  } catch {
    return `[unserializable ${Object.prototype.toString.call(p)}]`;
  }
}

/**
 * Bolt logs preformatted strings, which pino's path redaction cannot see into: scrub them as text. At
 * debug level they include whole Socket Mode envelopes, so the user's message is in them as well as the
 * tokens; the same masking as the audit log applies.
 */
function line(parts: unknown[]): string {
  return redactText(parts.map(asText).join(' '));
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
