import { createHash } from 'node:crypto';

// Sentinel's marks on a Jira issue are labels (Jira labels: no spaces, at most 255 characters):
// - `sentinel`: opened by Sentinel;
// - `sentinel-key-<hash>`: the execution's idempotency key, hashed (the key names a conversation, the
//   label does not), so a retried create finds the issue it already made;
// - `sentinel-for-<user id>`: whom it was opened for; what "my tickets" and ownership read. An id that is
//   not lowercase and label-safe (an Okta id such as 00ub0oNGTSWT…) is written as hex, `sentinel-forx-<…>`,
//   so no case folding on Jira's side can ever make one person's label read as another's.

export const SENTINEL_LABEL = 'sentinel';
const KEY_PREFIX = 'sentinel-key-';
const FOR_PREFIX = 'sentinel-for-';
const FORX_PREFIX = 'sentinel-forx-';
const LABEL_SAFE = /^[a-z0-9._@+-]{1,200}$/;
/** Jira labels hold at most 255 characters. */
const MAX_HEX = 255 - FORX_PREFIX.length;

export const keyLabel = (idempotencyKey: string) => KEY_PREFIX + createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);

export function requesterLabel(userId: string): string {
  if (LABEL_SAFE.test(userId)) return FOR_PREFIX + userId;
  const hex = Buffer.from(userId, 'utf8').toString('hex');
  // An id too long to spell out (none Sentinel's directories issue) gets a digest: its tickets are then
  // nobody's in Sentinel, which fails closed.
  return FORX_PREFIX + (hex.length <= MAX_HEX ? hex : `h${createHash('sha256').update(userId).digest('hex')}`);
}

/** The user an issue was opened for, from its labels; null when Sentinel did not open it for anyone. */
export function requesterOf(labels: readonly string[]): string | null {
  for (const l of labels) {
    if (l.startsWith(FORX_PREFIX)) {
      const hex = l.slice(FORX_PREFIX.length).toLowerCase();
      return /^(?:[0-9a-f]{2})+$/.test(hex) ? Buffer.from(hex, 'hex').toString('utf8') : null;
    }
    if (l.startsWith(FOR_PREFIX) && l.length > FOR_PREFIX.length) return l.slice(FOR_PREFIX.length);
  }
  return null;
}
