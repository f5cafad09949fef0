import type Database from 'better-sqlite3';
import type { ProposalDecidedData } from '../../db/audit';

/** A `proposal_decided` entry. */
export interface RecordedProposal {
  seq: number;
  at: number;
  actor: string | null;
  data: ProposalDecidedData;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The proposals decided since `since`, oldest first. (What budgets count is not read here: replay counts
 * it as the guard does, from db/decisions.ts actionsForBudget.)
 */
export function readHistory(sqlite: Database.Database, since: number): RecordedProposal[] {
  const proposals: RecordedProposal[] = [];
  const rows = sqlite.prepare("select seq, at, actor, data from audit where kind = 'proposal_decided' and at >= ? order by seq").iterate(since) as Iterable<{
    seq: number;
    at: number;
    actor: string | null;
    data: string;
  }>;
  for (const row of rows) {
    const data = JSON.parse(row.data) as unknown;
    if (isObject(data)) proposals.push({ seq: row.seq, at: row.at, actor: row.actor, data: data as unknown as ProposalDecidedData });
  }
  return proposals;
}
