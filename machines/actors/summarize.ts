import { describeCall } from '../../tools/registry';
import { afterPersist, type AgentDeps } from '../deps';
import { templateSummary } from '../llm/offline-summary';
import type { ApprovalRef, ProposalOutcome, SummarizeInput } from '../types';
import { requesterProfile } from './propose';

const describe = (tool: string, args: unknown): string => describeCall(tool, args) ?? 'do that';

function hoursLeft(expiresAt: number, now: number): string {
  const h = Math.max(0, Math.round((expiresAt - now) / 3_600_000));
  return h >= 1 ? `${h} h` : 'less than an hour';
}

function approvalLine(a: ApprovalRef, now: number, why?: string, requester?: string): string {
  const what = describe(a.tool, a.args);
  switch (a.status) {
    case 'pending':
      return a.required === 'requester'
        ? `⚠️ This cannot be undone: ${what}. Please confirm it yourself before I go ahead (request ${a.id}, expires in ${hoursLeft(a.expiresAt, now)}).`
        : `⏳ Your request to ${what} needs approval from ${a.approvers ?? 'an IT admin'}${why ? ` (${why.replace(/\.$/, '')})` : ''}. I've sent it (request ${a.id}, expires in ${hoursLeft(a.expiresAt, now)}) and will post the result here.`;
    case 'approved':
      // A confirmation is the requester's own yes, not an approval by someone.
      if (a.required === 'requester') return `✅ Confirmed${requester && a.decidedBy === requester ? ' by you' : ''}: ${what}.`;
      return `✅ Approved by ${a.decidedBy ?? 'an admin'}: ${what}.`;
    case 'denied':
      if (requester && a.decidedBy === requester) return `↩️ Withdrawn: your request to ${what}. Nothing was done.`;
      return `🚫 The request to ${what} was declined${a.decidedBy ? ` by ${a.decidedBy}` : ''}, so nothing was done.`;
    case 'expired':
      return `⌛ The request to ${what} expired without a decision, so nothing was done. Ask again if you still need it.`;
  }
}

function denialLine(p: ProposalOutcome): string {
  return `✋ I can't ${describe(p.tool, p.args)}: ${p.reason}`;
}

/**
 * `summarizing`: the reply. Facts that must be exact (denials, approvals, in-doubt actions) are written by
 * code; the LLM, called without tools, only phrases what the executed tools returned.
 */
export async function summarize(deps: AgentDeps, input: SummarizeInput, signal: AbortSignal): Promise<string> {
  await afterPersist(signal);
  const now = deps.now();
  const parts: string[] = [];
  const decided = input.approvals.filter((a) => a.status !== 'pending');
  parts.push(...decided.map((a) => approvalLine(a, now, undefined, input.requester.id)));
  if (input.withdraw && !decided.some((a) => a.status === 'denied' && a.decidedBy === input.requester.id)) {
    parts.push('Nothing of yours is waiting for approval in this conversation, so there was nothing to withdraw.');
  }
  if (input.planText) parts.push(input.planText);
  // In-doubt actions and approved actions stopped by the re-check are facts: code says them, not the LLM.
  const notRun = (e: SummarizeInput['executed'][number]) => e.output.not_run === true;
  const reportable = input.executed.filter((e) => !e.inDoubt && !notRun(e));
  if (reportable.length) {
    try {
      const requester = await requesterProfile(deps, input.requester);
      parts.push(await deps.llm.summarize({ requester, message: input.message, executed: reportable }, signal));
    } catch (err) {
      deps.logger.warn({ err }, 'LLM summary failed; using the template summary');
      parts.push(templateSummary(reportable));
    }
  }
  for (const e of input.executed.filter((x) => x.inDoubt)) parts.push(`❓ ${describe(e.tool, e.args)}: ${String(e.output.error ?? '')}`);
  for (const e of input.executed.filter(notRun)) parts.push(`🚫 ${describe(e.tool, e.args)}: ${String(e.output.error ?? '')}`);
  parts.push(...input.proposals.filter((p) => p.decision === 'deny').map(denialLine));
  const why = (a: ApprovalRef) => input.proposals.find((p) => p.approvalId === a.id)?.reason;
  parts.push(...input.approvals.filter((a) => a.status === 'pending').map((a) => approvalLine(a, now, why(a))));
  const reply = parts.filter((p) => p.trim()).join('\n');
  return reply || 'Done.';
}
