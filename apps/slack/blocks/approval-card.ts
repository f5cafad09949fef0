import type { types } from '@slack/bolt';
import type { ApprovalRow } from '../../../db/approvals';
import { describeCall, findTool } from '../../../tools/registry';
import { clip, escapeMrkdwn } from '../mrkdwn';

export const APPROVE_ACTION = 'approval_approve';
export const DENY_ACTION = 'approval_deny';

export interface CardFacts {
  approval: ApprovalRow;
  /** Already mrkdwn: a mention or an escaped name. */
  requester: string;
  /** The requester's own words, as they asked (escaped here). */
  request: string | null;
  /** Already mrkdwn; set once the approval is decided. */
  decider?: string;
  /** What became of the approved action, once it ran or was found not to run: done or not, and in words (plain text). */
  outcome?: { done: boolean; text: string };
  /** Already mrkdwn: who has approved so far, while a request needing several approvals waits. */
  votes?: string[];
  /** Whom the request waits for, in words, when not just "an IT admin" ("2 IT admins"). */
  approvers?: string;
}

/** Slack renders this in each viewer's own time zone; the fallback is UTC. */
export function slackDate(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `<!date^${seconds}^{date_short_pretty} at {time}|${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC>`;
}

function what(a: ApprovalRow): { line: string; risk: string } {
  const line = describeCall(a.tool, JSON.parse(a.args));
  const tool = findTool(a.tool);
  if (!tool || line === null) return { line: escapeMrkdwn(a.tool), risk: 'unknown' };
  return { line: escapeMrkdwn(line), risk: `${tool.risk}${tool.reversible ? '' : ', cannot be undone'}` };
}

function targetLine(a: ApprovalRow): string {
  try {
    const t = JSON.parse(a.target) as { kind: string; id?: string; owner?: string | null; state?: string };
    if (t.kind === 'none' || !t.id) return 'none';
    // A device's or ticket's unusual state is part of what the approver approves (a locked, lost laptop).
    const state = t.kind !== 'user' && t.state && t.state !== 'active' ? `, ${t.state}` : '';
    return escapeMrkdwn(`${t.kind} ${t.id}${t.owner ? ` (owner: ${t.owner}${state})` : ''}`);
  } catch {
    return 'unknown';
  }
}

const OUTCOME: Record<Exclude<ApprovalRow['status'], 'pending'>, string> = {
  approved: '✅ Approved',
  denied: '🚫 Denied',
  expired: '⌛ Expired without a decision',
};

/**
 * What a decided card says first (its heading, and the notification text): what became of the request,
 * not only the decision — an approved wipe the device system refused must not read as done.
 */
function decidedHeading(f: CardFacts): string {
  const a = f.approval;
  if (a.status === 'denied' && a.decidedBy === a.requester) return '↩️ Withdrawn';
  if (a.status !== 'approved') return OUTCOME[a.status as Exclude<ApprovalRow['status'], 'pending'>];
  if (!f.outcome) return OUTCOME.approved;
  return f.outcome.done ? '✅ Approved and done' : '❌ Approved, but not done';
}

/**
 * The approval card: what, on which target, for whom, why, risk, expiry, and, while pending, the
 * buttons. A button's value is only the approval id; the server looks everything else up on click.
 */
export function approvalCard(f: CardFacts): { text: string; blocks: types.KnownBlock[] } {
  const a = f.approval;
  const confirm = a.required === 'requester';
  const { line, risk } = what(a);
  const title = confirm ? 'Please confirm' : 'Approval needed';
  const blocks: types.KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${title}:* ${line}` } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*For*\n${f.requester}` },
        { type: 'mrkdwn', text: `*Target*\n${targetLine(a)}` },
        { type: 'mrkdwn', text: `*Risk*\n${escapeMrkdwn(risk)}` },
        { type: 'mrkdwn', text: `*Expires*\n${slackDate(a.expiresAt)}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*Why*\n${escapeMrkdwn(a.reason)}${f.request ? `\n> ${escapeMrkdwn(f.request).replace(/\n/g, '\n> ')}` : ''}`, 2900) } },
  ];
  if (a.status === 'pending' && f.approvers) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Needs approval from ${escapeMrkdwn(f.approvers)}` }] });
  if (a.status === 'pending' && a.quorum > 1 && f.votes?.length) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${f.votes.length} of ${a.quorum} approved by ${f.votes.join(', ')}` }] });
  }
  if (a.status === 'pending') {
    blocks.push({
      type: 'actions',
      block_id: 'approval',
      elements: [
        { type: 'button', action_id: APPROVE_ACTION, style: 'primary', text: { type: 'plain_text', text: confirm ? 'Confirm' : 'Approve' }, value: a.id },
        { type: 'button', action_id: DENY_ACTION, style: 'danger', text: { type: 'plain_text', text: confirm ? 'Cancel' : 'Deny' }, value: a.id },
      ],
    });
  } else {
    const withdrawn = a.status === 'denied' && a.decidedBy === a.requester;
    const by = a.status === 'expired' ? '' : ` by ${f.decider ?? 'an admin'}`;
    const outcome = withdrawn ? `↩️ Withdrawn by ${f.requester}` : `${OUTCOME[a.status]}${by}`;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${outcome} · ${slackDate(a.decidedAt ?? a.expiresAt)}` }] });
    if (f.outcome) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`${f.outcome.done ? '✅' : '❌'} ${escapeMrkdwn(f.outcome.text)}`, 2900) } });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Request ${a.id}` }] });
  const status = a.status === 'pending' ? title : decidedHeading(f);
  // Decided: the heading says what became of it; the buttons are gone.
  if (a.status !== 'pending') blocks[0] = { type: 'section', text: { type: 'mrkdwn', text: `*${status}:* ${line}` } };
  return { text: `${status}: ${line}`, blocks };
}
