import type { ApprovalRow } from '../../db/approvals';
import { decide } from '../../policies/decide';
import { targetDrift } from '../../policies/approvals';
import type { Actor, Decision, Target } from '../../policies/types';
import { findTool } from '../../tools/registry';
import type { AgentDeps } from '../deps';

export interface Recheck {
  /** Policy's decision for the approval's action with the requester's rights and the target as they are now. */
  decision: Decision;
  /** What changed about the target since the approval was asked for, or null. */
  drift: string | null;
}

const deny = (reason: string, rule: string): Recheck => ({ decision: { effect: 'deny', reason, rule }, drift: null });

/** Looks the approval's target up again and asks policy again, for `requester` as they are now. */
export async function recheckApproval(deps: Pick<AgentDeps, 'backends' | 'policy' | 'logger'>, approval: ApprovalRow, requester: Actor): Promise<Recheck> {
  const tool = findTool(approval.tool);
  const valid = tool?.input.safeParse(JSON.parse(approval.args));
  if (!tool || !valid?.success) return deny('This action is no longer valid.', 'invalid-arguments');
  let now: Target;
  try {
    now = await tool.target(valid.data, deps.backends);
  } catch (err) {
    deps.logger.warn({ err, approval: approval.id }, 'target lookup failed while re-checking an approval');
    return deny('I could not look up what this acts on, so I did not run it.', 'target-lookup-failed');
  }
  const before = JSON.parse(approval.target) as Target;
  return {
    decision: decide(requester, { tool: tool.name, args: valid.data as Record<string, unknown> }, { target: now, policy: deps.policy }),
    drift: targetDrift(before, now),
  };
}
