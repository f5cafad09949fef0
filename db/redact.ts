import { setOwn } from './canonical-json';
import { MAX_JSON_DEPTH, TOO_DEEP } from './json-depth';

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY = /pass(word|wd|phrase)?$|secret|token|api[-_]?key|authorization|credential|private[-_]?key/i;

/**
 * Where a word after "password" (with no "is" or ":" between) is taken for the password itself: it has a
 * digit or a symbol in it. "password hunter2A" is masked, "password reset for alice" is not.
 */
const SECRET_LOOKING = String.raw`(?=[^\s"]*[0-9!@#$%^&*_+=~|<>/\\{}\[\]()])`;

/**
 * A secret value running to the next space. In JSON text (Bolt's log lines) it also stops at a closing
 * quote, so the rest of the line stays readable; escaped quotes (\") are part of the value.
 */
const VALUE = String.raw`(?:\\.|"(?![,}\]:]|$)|[^\s"\\])+`;

/** Words that describe a password's state rather than being it. */
const PASSWORD_STATES = String.raw`(?:expired|expiring|wrong|incorrect|invalid|not|no|locked|blocked|broken|reset|changed|forgotten|lost|missing|gone|compromised|stolen|leaked|weak|old|new|too|still|about|going|the|my|a|an|correct|right|fine|ok|okay|working|disabled)`;

/** Words that introduce a password people type into chat: "password", "passwd", "pwd", "pw", "pin", "passcode". */
const PASSWORD_WORD = String.raw`\b(pass(?:word|wd|phrase|code)?|pwd|pw|pin)`;

/**
 * Secrets people paste into chat, and that tools may echo. Written here rather than taken from a package:
 * the maintained lists for Node (secretlint's rule presets) are ESM-only lint rules driven through a
 * reporting context, not a synchronous function over a string. Patterns follow the vendors' documented
 * token formats (the same ones gitleaks and secretlint use). Each keeps a short prefix, so a reader can
 * still tell what kind of secret was there.
 */
const SECRET_TEXT: Array<[RegExp, string]> = [
  // Private keys first: their body would otherwise be cut up by the patterns below.
  [/-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----|$)/g, '[redacted private key]'],
  // Slack: bot, user, app-level, legacy, refresh (xoxe.xoxp-…, xoxe-…), client and cookie tokens; webhook URLs.
  [/\b(xox[a-z](?:\.xox[a-z])?|xapp)-[A-Za-z0-9-]{3,}/g, '$1-[redacted]'],
  [/\b(hooks\.slack(?:-gov)?\.com\/(?:services|workflows|triggers))\/[A-Za-z0-9/_-]+/g, '$1/[redacted]'],
  // GitHub: personal, OAuth, user-to-server, server-to-server and refresh tokens; fine-grained PATs.
  [/\b(gh[pousr])_[A-Za-z0-9]{20,}/g, '$1_[redacted]'],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}/g, 'github_pat_[redacted]'],
  // GitLab, npm.
  [/\bglpat-[A-Za-z0-9_-]{20,}/g, 'glpat-[redacted]'],
  [/\bnpm_[A-Za-z0-9]{36}\b/g, 'npm_[redacted]'],
  // JSON Web Tokens: base64url header and payload, both JSON objects, so both start with "eyJ".
  [/\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, 'eyJ[redacted jwt]'],
  // Google API keys; AWS access key ids (every documented prefix).
  [/\bAIza[0-9A-Za-z_-]{30,}/g, 'AIza[redacted]'],
  [/\b(AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b/g, '$1[redacted]'],
  // OpenAI / Anthropic style keys; Stripe secret and restricted keys.
  [/\bsk-[A-Za-z0-9_-]{16,}/g, 'sk-[redacted]'],
  [/\b((?:sk|rk)_(?:live|test))_[A-Za-z0-9]{10,}/g, '$1_[redacted]'],
  // Credentials in URLs (https://user:secret@host) and bearer tokens in pasted headers.
  [/\b([a-z][a-z0-9+.-]{0,20}:\/\/[^\s/:@"]+:)[^\s/@"]+@/gi, '$1[redacted]@'],
  [/\b(Bearer\s+)[A-Za-z0-9._~+/-]{8,}=*/g, '$1[redacted]'],
  // Okta API tokens ("Authorization: SSWS <token>") and basic credentials (Jira's email:token).
  [/\b(SSWS\s+)[A-Za-z0-9._~+/-]{8,}=*/g, '$1[redacted]'],
  [/\b(Basic\s+)[A-Za-z0-9+/]{12,}=*/g, '$1[redacted]'],
  // "password is x", "pw: x", "api key = x", "token: x" (and the JSON form "password":"x").
  // "is"/"was" also introduce how a password is ("my password is expired"): those words stay.
  [new RegExp(String.raw`${PASSWORD_WORD}("?\s*(?:=|:)\s*"?)${VALUE}`, 'gi'), '$1$2[redacted]'],
  [new RegExp(String.raw`${PASSWORD_WORD}(\s+(?:is|was)\s+"?)(?!${PASSWORD_STATES}\b)${VALUE}`, 'gi'), '$1$2[redacted]'],
  // Further along the same sentence: "my password, I think it was hunter2A", "password (current one: x)".
  [new RegExp(String.raw`${PASSWORD_WORD}([^.!?\n]{1,40}?\b(?:is|was|one|:)\s*[:=]?\s*"?)(?!${PASSWORD_STATES}\b)${SECRET_LOOKING}${VALUE}`, 'gi'), '$1$2[redacted]'],
  [new RegExp(String.raw`\b(secret|token|api[ _-]?key|access[ _-]?key)("?\s*(?:is|=|:)\s*"?)${VALUE}`, 'gi'), '$1$2[redacted]'],
  // "password hunter2A": no separator, so only a secret-looking word is taken.
  // (An opening bracket starts an aside, "password (current one: x)", not a password.)
  [new RegExp(String.raw`${PASSWORD_WORD}(\s+)(?![(\[])${SECRET_LOOKING}${VALUE}`, 'gi'), '$1$2[redacted]'],
];

/** `text` with secret-looking parts masked: what may be stored or logged of anything a person typed. */
export function redactText(text: string): string {
  return SECRET_TEXT.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
}

/**
 * A copy of `value` safe to keep forever: secret-named keys blanked, secret-looking text masked. Applied
 * to everything written to the audit log, which is append-only and so cannot be cleaned up later.
 * Containers nested deeper than MAX_JSON_DEPTH become a marker, so deep input cannot overflow the stack.
 */
export function redactSecrets(value: unknown): unknown {
  return redact(value, 0);
}

function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, k, SECRET_KEY.test(k) && v !== null && typeof v !== 'object' ? '[redacted]' : redact(v, depth + 1));
  return out;
}
