import { appendAudit } from '../../db/audit';
import { canonicalJson } from '../../db/canonical-json';
import { getApproval, requestsView } from '../../db/approvals';
import { claimExecution, finishExecution, getExecution, type Claim, type ExecutionRow } from '../../db/executions';
import { recentMessages } from '../../db/messages';
import { transact } from '../../db/transact';
import { stillAllowed } from '../../policies/approvals';
import type { Actor } from '../../policies/types';
import type { ToolResult } from '../../tools/contract';
import { findTool } from '../../tools/registry';
import type { ExecuteInput } from '../agent';
import { afterPersist, STOPPED_BEFORE_RUN, type AgentDeps } from '../deps';
import { currentRights } from '../identity';
import type { ExecutedAction, PlannedAction } from '../types';
import { recheckApproval } from './recheck';

export const IN_DOUBT_MESSAGE =
  'I lost track of this action when I restarted while it was running, so I do not know whether it happened. I did not run it again; please check, or ask IT.';

function fromJournal(a: PlannedAction, row: ExecutionRow): ExecutedAction {
  const output = row.output ? (JSON.parse(row.output) as Record<string, unknown>) : {};
  if (row.status === 'in_doubt') return { key: a.key, tool: a.tool, args: a.args, ok: false, output, inDoubt: true };
  return { key: a.key, tool: a.tool, args: a.args, ok: row.status === 'succeeded', output };
}

function transcript(deps: AgentDeps, conversationId: string): string {
  return recentMessages(deps.db, conversationId, deps.historyMessages)
    .map((m) => `${m.role === 'user' ? m.author ?? 'user' : 'sentinel'}: ${m.content}`)
    .join('\n');
}

/**
 * An approved action runs only while what was approved still holds: the target is as the approver saw
 * it (same owner, same state) and policy still lets the requester, as they are now, have it done this
 * way. Returns why not, or null.
 */
async function approvalNoLongerHolds(deps: AgentDeps, approvalId: string, requester: Actor): Promise<string | null> {
  const approval = getApproval(deps.db, approvalId);
  if (!approval || approval.status !== 'approved') return 'the approval could not be found.';
  const { decision, drift } = await recheckApproval(deps, approval, await currentRights(deps.backends.directory, requester));
  if (drift) return `${drift} since the request was made.`;
  const verdict = stillAllowed(approval.required, decision);
  return verdict.ok ? null : verdict.reason;
}

/**
 * `executing`: runs each planned action at most once. The journal row is claimed (and audited) in a
 * transaction before the side effect and finished right after it, so a restart finds every action
 * either not started (run it), finished (report the stored result) or started (in doubt).
 */
export async function execute(deps: AgentDeps, input: ExecuteInput, signal: AbortSignal): Promise<ExecutedAction[]> {
  await afterPersist(signal);
  const results: ExecutedAction[] = [];
  // Each action's outcome, kept and told (a transport shows it as a finished task).
  const finish = (r: ExecutedAction) => {
    results.push(r);
    deps.step?.({ conversationId: input.conversationId, step: 'ran', key: r.key, tool: r.tool, args: r.args, ok: r.ok });
  };
  for (const action of input.actions) {
    const tool = findTool(action.tool);
    const valid = tool?.input.safeParse(action.args);
    if (!tool || !valid?.success) {
      // Only decided, validated actions reach here; anything else is a bug and is refused, not run.
      finish({ key: action.key, tool: action.tool, args: action.args, ok: false, output: { error: 'This action failed validation and was not run.' } });
      continue;
    }
    const now = deps.now();
    const journalRow = {
      key: action.key,
      conversationId: input.conversationId,
      approvalId: action.approvalId,
      requester: input.requester.id,
      tool: action.tool,
      args: canonicalJson(action.args),
    };
    const { db } = deps;
    const notStarted = () => (getExecution(db, action.key)?.status ?? 'planned') === 'planned';
    // A stopped turn's approved action is reported as stopped (below), not re-checked.
    if (action.approvalId && notStarted() && !deps.turnStopped?.(input.conversationId)) {
      const refusal = await approvalNoLongerHolds(deps, action.approvalId, input.requester);
      if (refusal) {
        const error = `Not run: ${refusal} Nothing was changed; ask again if it is still needed.`;
        transact(db, () => {
          deps.assertOwner?.(input.conversationId);
          claimExecution(db, journalRow, tool.idempotent, now);
          finishExecution(db, action.key, 'failed', { error, not_run: true }, now);
          appendAudit(db, { kind: 'approval_recheck_failed', actor: input.requester.id, conversationId: input.conversationId, data: { key: action.key, tool: action.tool, args: action.args, approval: action.approvalId, reason: refusal } }, now);
        });
        finish({ key: action.key, tool: action.tool, args: action.args, ok: false, output: { error, not_run: true } });
        continue;
      }
    }
    const claim = transact(db, (): Claim | { kind: 'stopped'; output: Record<string, unknown> } => {
      // No side effect starts for a turn this process no longer owns (it was paused past its lease).
      deps.assertOwner?.(input.conversationId);
      // Stopped by the person (here or from another process: turnStopped reads the lease): nothing that has
      // not started runs. Decided in the claim's transaction, so a Stop recorded before it always wins and
      // one after it finds the action started. Journaled as not run, so a restart does not run it either.
      if (notStarted() && deps.turnStopped?.(input.conversationId)) {
        const output = { error: STOPPED_BEFORE_RUN, not_run: true, stopped: true };
        claimExecution(db, journalRow, tool.idempotent, now);
        finishExecution(db, action.key, 'failed', output, now);
        return { kind: 'stopped', output };
      }
      const c = claimExecution(db, journalRow, tool.idempotent, now);
      if (c.kind === 'run') {
        appendAudit(db, { kind: 'execution_started', actor: input.requester.id, conversationId: input.conversationId, data: { key: action.key, tool: action.tool, args: action.args, approval: action.approvalId } }, now);
      } else if (c.kind === 'in_doubt') {
        finishExecution(db, action.key, 'in_doubt', { error: IN_DOUBT_MESSAGE }, now);
        appendAudit(db, { kind: 'execution_in_doubt', actor: input.requester.id, conversationId: input.conversationId, data: { key: action.key, tool: action.tool, args: action.args } }, now);
      }
      return c;
    });
    if (claim.kind === 'stopped') {
      finish({ key: action.key, tool: action.tool, args: action.args, ok: false, output: claim.output });
      continue;
    }
    if (claim.kind === 'done') {
      finish(fromJournal(action, claim.row));
      continue;
    }
    if (claim.kind === 'in_doubt') {
      finish({ key: action.key, tool: action.tool, args: action.args, ok: false, output: { error: IN_DOUBT_MESSAGE }, inDoubt: true });
      continue;
    }

    // The write-ahead rule: the record that this action started reaches the disk before the action
    // touches anything, so not even a power cut can lead to running it twice.
    const durable = await deps.syncToDisk().then(
      () => true,
      (err: unknown) => {
        deps.logger.error({ err, tool: tool.name, key: action.key }, 'could not flush the execution journal to disk; action not run');
        return false;
      },
    );
    deps.crash('execution_started');
    let result: ToolResult;
    if (!durable) {
      result = { ok: false, error: 'I could not record this action safely, so I did not run it. Please try again, or ask IT.' };
    } else {
      deps.step?.({ conversationId: input.conversationId, step: 'running', key: action.key, tool: action.tool, args: action.args });
      try {
        result = await tool.run(valid.data, {
          backends: deps.backends,
          requester: input.requester,
          executionKey: action.key,
          transcript: tool.needsTranscript ? transcript(deps, input.conversationId) : '',
          conversationId: input.conversationId,
          slackWorkspace: deps.slackWorkspace,
          requests: requestsView(deps.db, deps.now),
          now,
        });
      } catch (err) {
        deps.logger.error({ err, tool: tool.name, key: action.key }, 'tool backend failed');
        result = { ok: false, error: 'The backend system reported an error; IT has the details in the logs.' };
      }
    }
    deps.crash('backend_called');
    const output = result.ok ? result.output : { error: result.error, ...(result.backend ? { backend: result.backend } : {}) };
    const finishedAt = deps.now();
    transact(db, () => {
      finishExecution(db, action.key, result.ok ? 'succeeded' : 'failed', output, finishedAt);
      appendAudit(db, { kind: 'execution_finished', actor: input.requester.id, conversationId: input.conversationId, data: { key: action.key, tool: action.tool, ok: result.ok, output } }, finishedAt);
    });
    deps.crash('result_stored');
    finish({ key: action.key, tool: action.tool, args: action.args, ok: result.ok, output });
  }
  return results;
}
