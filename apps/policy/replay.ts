import { applyBudgets, budgetCount, type CountedAction } from '../../policies/budgets';
import type { Proposal } from '../../policies/decide';
import { decide } from '../../policies/decide';
import type { LoadedPolicy } from '../../policies/schema';
import type { Role, Target } from '../../policies/types';
import { describeCall } from '../../tools/registry';
import type { RecordedProposal } from './history';
import { decisionLabel, shortHash, utcMinute } from './describe';

export interface ReplayedOutcome {
  decision: string;
  rule: string;
  reason: string;
  required?: string;
  approvals?: number;
  approvers?: unknown;
}

export interface ReplayChange {
  seq: number;
  at: string;
  actor: string | null;
  role: string;
  tool: string;
  args: Record<string, unknown>;
  what: string;
  target: Target;
  /** The policy file that decided it (sha256), when recorded. */
  decided_by: string | null;
  old: ReplayedOutcome;
  new: ReplayedOutcome;
  /** "allow → require_approval ×2": what kind of change. */
  change: string;
}

export interface ReplayReport {
  file: string;
  hash: string;
  since: string | null;
  proposals: number;
  replayed: number;
  unchanged: number;
  changes: ReplayChange[];
  /** Changes per kind, most frequent first. */
  counts: Record<string, number>;
  /** Proposals not decided again, per why (decided before policy, by the rate limit, recorded without their target). */
  not_replayed: Record<string, number>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Why a recorded proposal cannot be decided again, or null when it can. */
function unreplayable(p: RecordedProposal): string | null {
  const d = p.data;
  if (d.target === undefined) return 'recorded before decisions kept their target';
  if (d.target === null) return `refused before policy (${d.rule})`;
  // The guard's own answers after the target was looked up: already satisfied, or over the hourly limit.
  if (d.rule === 'already-done' || d.rule === 'rate-limit') return `decided by the guard, not policy (${d.rule})`;
  if (!isObject(d.args)) return 'arguments not recorded in full';
  if (typeof p.actor !== 'string') return 'no requester recorded';
  return null;
}

/**
 * Decides every recorded proposal again under `policy` (rules, grant caps, and budgets counted as the
 * guard counts them: `past`, from db/decisions.ts actionsForBudget, is what went through) and lists those
 * whose decision changes: its effect, who must answer, the quorum or the approvers.
 */
export function replayHistory(history: { proposals: RecordedProposal[]; past: readonly CountedAction[] }, policy: LoadedPolicy, since: number): ReplayReport {
  const report: ReplayReport = {
    file: policy.source,
    hash: policy.hash,
    since: since > 0 ? new Date(since).toISOString() : null,
    proposals: history.proposals.length,
    replayed: 0,
    unchanged: 0,
    changes: [],
    counts: {},
    not_replayed: {},
  };
  // Per message, the proposals the replayed policy let through so far: what its budgets count as "earlier".
  const earlier = new Map<string, Proposal[]>();
  for (const p of history.proposals) {
    const why = unreplayable(p);
    if (why) {
      report.not_replayed[why] = (report.not_replayed[why] ?? 0) + 1;
      continue;
    }
    report.replayed++;
    const d = p.data;
    const args = d.args as Record<string, unknown>;
    const target = d.target as Target;
    const proposal = { tool: d.tool, args };
    const decided = decide({ id: p.actor!, role: d.role as Role }, proposal, { target, policy });
    // Budgets are counted as the guard counted them (policies/budgets.ts budgetCount): what actually went
    // through in other messages before it, and what the replayed policy let through earlier in its own.
    const inTurn = earlier.get(d.turn) ?? [];
    const now = applyBudgets(policy.budgets, proposal, decided, (b) => budgetCount(b, history.past, p.at, d.turn, inTurn));
    if (now.effect !== 'deny') earlier.set(d.turn, [...inTurn, proposal]);
    const old: ReplayedOutcome = { decision: d.decision, rule: d.rule, reason: d.reason, ...(d.decision === 'require_approval' ? { required: d.required ?? 'approver', approvals: d.approvals, approvers: d.approvers } : {}) };
    const next: ReplayedOutcome = { decision: now.effect, rule: now.rule, reason: now.reason, ...(now.effect === 'require_approval' ? { required: now.required, approvals: now.approvals, approvers: now.approvers } : {}) };
    const before = decisionLabel(old);
    const after = decisionLabel(next);
    if (before === after) {
      report.unchanged++;
      continue;
    }
    const change = `${before} → ${after}`;
    report.counts[change] = (report.counts[change] ?? 0) + 1;
    report.changes.push({
      seq: p.seq,
      at: new Date(p.at).toISOString(),
      actor: p.actor,
      role: d.role,
      tool: d.tool,
      args,
      what: describeCall(d.tool, args) ?? `${d.tool} ${JSON.stringify(args)}`,
      target,
      decided_by: d.policy_hash ?? null,
      old,
      new: next,
      change,
    });
  }
  report.counts = Object.fromEntries(Object.entries(report.counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return report;
}

export function replayText(r: ReplayReport, dbPath: string): string {
  const lines = [`replay ${r.file} (${shortHash(r.hash)}) over ${dbPath}${r.since ? ` since ${r.since}` : ''}: ${r.proposals} proposals, ${r.replayed} decided again`];
  if (r.changes.length) lines.push('');
  for (const c of r.changes) {
    lines.push(`${utcMinute(Date.parse(c.at))}  ${c.actor} (${c.role})  ${c.what}`);
    lines.push(`    ${c.change}    rule ${c.old.rule} → ${c.new.rule}`);
  }
  lines.push('');
  if (r.changes.length) {
    lines.push(`${r.changes.length} decision${r.changes.length === 1 ? '' : 's'} would change:`);
    for (const [kind, n] of Object.entries(r.counts)) lines.push(`  ${n}  ${kind}`);
  } else {
    lines.push('no decision would change');
  }
  lines.push(`${r.unchanged} unchanged`);
  const skipped = Object.entries(r.not_replayed);
  if (skipped.length) {
    lines.push(`${skipped.reduce((n, [, k]) => n + k, 0)} not decided again:`);
    for (const [why, n] of skipped) lines.push(`  ${n}  ${why}`);
  }
  return lines.join('\n');
}
