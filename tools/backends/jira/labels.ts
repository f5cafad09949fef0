import { createHash } from 'node:crypto';

// Sentinel's marks on a Jira issue are labels (Jira labels: no spaces, at most 255 characters):
// - `sentinel`: opened by Sentinel;
// - `sentinel-key-<hash>`: the execution's idempotency key, hashed (the key names a conversation, the
//   label does not), so a retried create finds the issue it already made;
// - `sentinel-for-<user id>`: whom it was opened for; what "my tickets" and ownership read. Ids that are
//   not label-safe are written base64url-encoded as `sentinel-for64-<…>`.

export const SENTINEL_LABEL = 'sentinel';
const KEY_PREFIX = 'sentinel-key-';
const FOR_PREFIX = 'sentinel-for-';
const FOR64_PREFIX = 'sentinel-for64-';
const LABEL_SAFE = /^[A-Za-z0-9._@+-]{1,200}$/;

export const keyLabel = (idempotencyKey: string) => KEY_PREFIX + createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);

export const requesterLabel = (userId: string) =>
  LABEL_SAFE.test(userId) ? FOR_PREFIX + userId : FOR64_PREFIX + Buffer.from(userId, 'utf8').toString('base64url');

/** The user an issue was opened for, from its labels; null when Sentinel did not open it for anyone. */
export function requesterOf(labels: readonly string[]): string | null {
  for (const l of labels) {
    if (l.startsWith(FOR64_PREFIX)) return Buffer.from(l.slice(FOR64_PREFIX.length), 'base64url').toString('utf8') || null;
    if (l.startsWith(FOR_PREFIX) && l.length > FOR_PREFIX.length) return l.slice(FOR_PREFIX.length);
  }
  return null;
}
