import { createHash } from 'node:crypto';
import { desc, sql } from 'drizzle-orm';
import type { Db } from './client';
import { prepared } from './prepared';
import { audit } from './schema';
import { canonicalJson } from './canonical-json';
import { redactSecrets } from './redact';

export type AuditKind =
  | 'message'
  | 'proposal_decided'
  | 'approval_requested'
  | 'approval_decided'
  | 'approval_refused'
  | 'approval_expired'
  | 'execution_started'
  | 'execution_finished'
  | 'execution_in_doubt'
  | 'approval_recheck_failed'
  | 'directory_synced'
  | 'grant_revoked'
  | 'grant_revoke_failed'
  | 'grant_revoke_stuck'
  | 'grant_revoke_unstuck'
  | 'grant_expiry_warned'
  | 'budget_reached'
  | 'budget_notice'
  | 'approval_vote'
  | 'llm_error'
  /** 👍/👎 on a reply in Slack (data: vote, message, replaced: the vote it replaced, or null). */
  | 'feedback';

/**
 * The data of a `proposal_decided` entry: the proposal, what decided it and the facts it was decided on,
 * so `npm run policy -- replay` can decide it again under another policy. `target` is the target as the
 * guard looked it up (null when the proposal was refused before that: unknown tool, invalid arguments…);
 * `policy_hash` is the sha256 of the policy file in force; the approval fields are set for
 * `require_approval`. Entries written before the policy file existed lack `target` and `policy_hash`.
 */
export interface ProposalDecidedData {
  turn: string;
  idx: number;
  tool: string;
  /** The validated arguments (or, for a refused proposal, what was proposed, truncated). */
  args: unknown;
  decision: 'allow' | 'require_approval' | 'deny';
  reason: string;
  rule: string;
  /** The requester's role when it was decided. */
  role: string;
  target?: { kind: 'none' } | { kind: 'user' | 'device' | 'ticket'; id: string; owner: string | null; state?: string } | null;
  policy_hash?: string;
  required?: 'approver' | 'requester';
  approvers?: unknown;
  approvals?: number;
  channel?: string;
}

export interface AuditEntry {
  kind: AuditKind;
  actor?: string | null;
  conversationId?: string | null;
  data: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);

export function entryHash(prevHash: string, at: number, e: AuditEntry): string {
  return hashOf(prevHash, at, e, canonicalJson(e.data));
}

/**
 * The hashed content is the canonical JSON of { actor, at, conversationId, data, kind }; it is spelled
 * out in key order so the (already canonical) data is not sorted and serialized a second time.
 */
function hashOf(prevHash: string, at: number, e: AuditEntry, dataJson: string): string {
  const content = `{"actor":${JSON.stringify(e.actor ?? null)},"at":${JSON.stringify(at)},"conversationId":${JSON.stringify(e.conversationId ?? null)},"data":${dataJson},"kind":${JSON.stringify(e.kind)}}`;
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}

const p = sql.placeholder;

const lastHash = prepared((db) => db.select({ hash: audit.hash }).from(audit).orderBy(desc(audit.seq)).limit(1).prepare());

const insertEntry = prepared((db) =>
  db
    .insert(audit)
    .values({ at: p('at'), kind: p('kind'), actor: p('actor'), conversationId: p('conversationId'), data: p('data'), prevHash: p('prevHash'), hash: p('hash') })
    .prepare(),
);

/**
 * Appends to the hash chain. Call inside an immediate transaction so two writers cannot both extend the
 * same previous entry.
 */
export function appendAudit(db: Db, entry: AuditEntry, at: number): void {
  const e: AuditEntry = { ...entry, data: redactSecrets(entry.data) as Record<string, unknown> };
  const prevHash = lastHash(db).get()?.hash ?? GENESIS_HASH;
  const data = canonicalJson(e.data);
  insertEntry(db).run({ at, kind: e.kind, actor: e.actor ?? null, conversationId: e.conversationId ?? null, data, prevHash, hash: hashOf(prevHash, at, e, data) });
}
