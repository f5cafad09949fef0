import type Database from 'better-sqlite3';
import { entryHash, GENESIS_HASH, type AuditKind } from './audit';
import { canonicalJson } from './canonical-json';

interface AuditRow {
  seq: number;
  at: number;
  kind: string;
  actor: string | null;
  conversation_id: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, at, kind, actor, conversation_id, data, prev_hash, hash';

export type AuditVerdict =
  | { ok: true; entries: number; head: { seq: number; hash: string } | null }
  | { ok: false; entries: number; seq: number; problem: string };

/**
 * Walks the chain in order and names the first entry that is not what was written: content edited (its
 * hash no longer matches), an entry deleted (a gap in seq, or prev_hash pointing elsewhere) or entries
 * reordered. Entries cut off the end, or a chain rewritten from some point on, can only be caught
 * against a head recorded elsewhere: pass it as `expectHead`.
 */
export function verifyAudit(sqlite: Database.Database, expectHead?: { seq: number; hash: string }): AuditVerdict {
  let prev: AuditRow | null = null;
  let entries = 0;
  let headSeen = false;
  const rows = sqlite.prepare(`select ${COLUMNS} from audit order by seq`).iterate() as IterableIterator<AuditRow>;
  for (const row of rows) {
    const problem = checkRow(row, prev);
    if (problem) return { ok: false, entries, seq: row.seq, problem };
    if (expectHead && row.seq === expectHead.seq) {
      if (row.hash !== expectHead.hash) return { ok: false, entries, seq: row.seq, problem: 'its hash differs from the recorded head: the chain was rewritten up to here' };
      headSeen = true;
    }
    entries++;
    prev = row;
  }
  if (expectHead && !headSeen) {
    return { ok: false, entries, seq: expectHead.seq, problem: 'the recorded head is missing: entries were cut off the end' };
  }
  return { ok: true, entries, head: prev ? { seq: prev.seq, hash: prev.hash } : null };
}

function checkRow(row: AuditRow, prev: AuditRow | null): string | null {
  const expectedSeq = prev ? prev.seq + 1 : 1;
  if (row.seq !== expectedSeq) return `entry ${expectedSeq}${row.seq > expectedSeq + 1 ? `–${row.seq - 1}` : ''} is missing (deleted)`;
  if (row.prev_hash !== (prev?.hash ?? GENESIS_HASH)) return 'its prev_hash does not match the entry before it (deleted, inserted or reordered)';
  let data: unknown;
  try {
    data = JSON.parse(row.data);
  } catch {
    return 'its data is not valid JSON (edited)';
  }
  if (canonicalJson(data) !== row.data || data === null || typeof data !== 'object' || Array.isArray(data)) return 'its data is not as it was written (edited)';
  const hash = entryHash(row.prev_hash, row.at, { kind: row.kind as AuditKind, actor: row.actor, conversationId: row.conversation_id, data: data as Record<string, unknown> });
  if (hash !== row.hash) return 'its hash does not match its content (edited or reordered)';
  return null;
}

/** One JSON object per line, oldest first, for a SIEM. */
export function* exportAudit(sqlite: Database.Database, since = 0): Generator<string> {
  const rows = sqlite.prepare(`select ${COLUMNS} from audit where at >= ? order by seq`).iterate(since) as IterableIterator<AuditRow>;
  for (const r of rows) {
    yield JSON.stringify({ seq: r.seq, at: new Date(r.at).toISOString(), kind: r.kind, actor: r.actor, conversation_id: r.conversation_id, data: JSON.parse(r.data), prev_hash: r.prev_hash, hash: r.hash });
  }
}
