import { setOwn } from './canonical-json';

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY = /pass(word|wd|phrase)?$|secret|token|api[-_]?key|authorization|credential|private[-_]?key/i;

/** Secrets people paste into chat, and that tools may echo: Slack and OpenAI-style tokens, "password: x". */
const SECRET_TEXT: Array<[RegExp, string]> = [
  [/\b(xox[abposre]|xapp)-[A-Za-z0-9-]{3,}/g, '$1-[redacted]'],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, 'sk-[redacted]'],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '$1[redacted]'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
  [/\b(pass(?:word|wd|phrase)?|pwd|pin)(\s*(?:is|was|=|:)\s*)\S+/gi, '$1$2[redacted]'],
];

export function redactText(text: string): string {
  return SECRET_TEXT.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
}

/**
 * A copy of `value` safe to keep forever: secret-named keys blanked, secret-looking text masked. Applied
 * to everything written to the audit log, which is append-only and so cannot be cleaned up later.
 */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, SECRET_KEY.test(k) && v !== null && typeof v !== 'object' ? '[redacted]' : redactSecrets(v));
    return out;
  }
  return value;
}
