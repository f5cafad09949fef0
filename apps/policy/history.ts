import type Database from 'better-sqlite3';
import type { ProposalDecidedData } from '../../db/audit';
import { budgetMatches } from '../../policies/budgets';
import type { Budget } from '../../policies/schema';

/** An action that ran, from the audit log (`execution_started`): what budgets count. */
export interface PastAction {
  at: number;
  tool: string;
  args: Record<string, unknown>;
}

/** A `proposal_decided` entry. */
export interface RecordedProposal {
  seq: number;
  at: number;
  actor: string | null;
  data: ProposalDecidedData;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The proposals decided since `since` and every action that ran (for the budgets' windows), oldest first. */
export function readHistory(sqlite: Database.Database, since: number): { proposals: RecordedProposal[]; actions: PastAction[] } {
  const proposals: RecordedProposal[] = [];
  const actions: PastAction[] = [];
  const rows = sqlite.prepare("select seq, at, kind, actor, data from audit where kind in ('proposal_decided', 'execution_started') order by seq").iterate() as Iterable<{
    seq: number;
    at: number;
    kind: string;
    actor: string | null;
    data: string;
  }>;
  for (const row of rows) {
    const data = JSON.parse(row.data) as unknown;
    if (!isObject(data)) continue;
    if (row.kind === 'execution_started') {
      if (typeof data.tool === 'string' && isObject(data.args)) actions.push({ at: row.at, tool: data.tool, args: data.args });
    } else if (row.at >= since) {
      proposals.push({ seq: row.seq, at: row.at, actor: row.actor, data: data as unknown as ProposalDecidedData });
    }
  }
  actions.sort((a, b) => a.at - b.at);
  return { proposals, actions };
}

/**
 * Counts for policies/budgets.ts at time `at`: the actions matching a budget that started in its window
 * before `at`. (What ran is in the audit log; an approved action starts the moment it is approved.)
 */
export function budgetCounter(actions: readonly PastAction[], at: number): (budget: Budget) => number {
  return (budget) => {
    const from = at - budget.window_minutes * 60_000;
    let n = 0;
    for (let i = actions.length - 1; i >= 0; i--) {
      const a = actions[i]!;
      if (a.at >= at) continue;
      if (a.at <= from) break;
      if (budgetMatches(budget, a.tool, a.args)) n++;
    }
    return n;
  };
}
