import { createHash } from 'node:crypto';
import { appendAudit } from '../../db/audit';
import { decideApprovalRow, getApproval, insertApproval, pendingApprovals } from '../../db/approvals';
import { canonicalJson } from '../../db/canonical-json';
import { nestedDeeperThan } from '../../db/json-depth';
import { actionsForBudget, actionsSince, decisionsForTurn, insertDecisions, type DecisionRow } from '../../db/decisions';
import { transact } from '../../db/transact';
import { applyBudgets, budgetCount, budgetsFor, type CountedAction } from '../../policies/budgets';
import type { Proposal } from '../../policies/decide';
import type { Budget } from '../../policies/schema';
import { decide } from '../../policies/decide';
import type { Actor, Decision, Target } from '../../policies/types';
import { findTool } from '../../tools/registry';
import { valueOr } from '../../tools/backends/types';
import { recentMessages } from '../../db/messages';
import { namedWithoutSelf } from '../llm/others-named';
import type { GuardInput } from '../agent';
import { approverFields, routeNow } from '../approvers';
import { noticeBudgetsReached } from './budget-notices';
import { afterPersist, MAX_PROPOSALS_PER_TURN, type AgentDeps } from '../deps';
import { PLAN_LIMITS } from '../llm/plan-bounds';
import { TurnStoppedError } from '../turn-errors';
import type { ApprovalRef, GuardOutput, ProposalOutcome, RawCall } from '../types';

const MAX_STORED_ARGS = 2000;

interface Checked {
  tool: string;
  args: unknown;
  decision: Decision;
  target: Target | null;
}

const deny = (reason: string, rule: string): Decision => ({ effect: 'deny', reason, rule });

/**
 * Deepest nesting accepted in a call's arguments; every tool's input is flat or one level deep. Deeper
 * input is refused here, at parse time, so nothing downstream ever walks it.
 */
const MAX_ARG_DEPTH = 32;

function parseArgs(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'The proposed arguments were not valid JSON.' };
  }
  if (nestedDeeperThan(value, MAX_ARG_DEPTH)) return { ok: false, reason: `The proposed arguments are nested more than ${MAX_ARG_DEPTH} levels deep.` };
  return { ok: true, value };
}

/** Validates one raw proposal and asks policy; every failure is a denial with a reason, never a throw. */
async function check(deps: AgentDeps, requester: Actor, call: RawCall, seen: Set<string>): Promise<Checked> {
  const name = typeof call.name === 'string' ? call.name : '';
  const tool = findTool(name);
  if (!tool) return { tool: name.slice(0, 100), args: call.arguments, decision: deny(`There is no tool called "${name.slice(0, 60)}".`, 'unknown-tool'), target: null };
  if (call.arguments.length > PLAN_LIMITS.args) {
    return { tool: tool.name, args: call.arguments, decision: deny(`The proposed arguments are too large (over ${PLAN_LIMITS.args} characters).`, 'invalid-arguments'), target: null };
  }
  const parsed = parseArgs(call.arguments);
  // The raw text is kept (and stored truncated), never the parsed value: it may be too deep to walk.
  if (!parsed.ok) return { tool: tool.name, args: call.arguments, decision: deny(parsed.reason, 'invalid-arguments'), target: null };
  const valid = tool.input.safeParse(parsed.value);
  if (!valid.success) {
    const issues = valid.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
    return { tool: tool.name, args: parsed.value, decision: deny(`The proposed arguments are invalid (${issues}).`, 'invalid-arguments'), target: null };
  }
  const args = valid.data as Record<string, unknown>;
  const fingerprint = `${tool.name}:${canonicalJson(args)}`;
  if (seen.has(fingerprint)) return { tool: tool.name, args, decision: deny('The same action was already proposed in this message.', 'duplicate-proposal'), target: null };
  seen.add(fingerprint);
  let target: Target;
  try {
    target = await tool.target(args, deps.backends);
  } catch (err) {
    deps.logger.warn({ err, tool: tool.name }, 'target lookup failed');
    return { tool: tool.name, args, decision: deny('I could not look up what this acts on, so I did not run it.', 'target-lookup-failed'), target: null };
  }
  // Policy decides on a device as it is now. A second change to it in the same message would be decided
  // on a state the first is about to change ("lock it and then restart it": the restart would unlock a
  // just-locked device without the approval that needs), so a message changes a device once.
  if (tool.risk !== 'read' && target.kind === 'device') {
    const device = `device:${target.id.toLowerCase()}`;
    if (seen.has(device)) return { tool: tool.name, args, decision: deny(`${target.id} is already being changed by this message; ask for the next step once that has run.`, 'one-change-per-device'), target };
    seen.add(device);
  }
  // Policy decides first: only a requester policy lets act on this target may learn whether it is
  // already satisfied (someone else's grants are not a guest's or an employee's to see).
  const decision = decide(requester, { tool: tool.name, args }, { target, policy: deps.policy });
  if (decision.effect === 'deny') return { tool: tool.name, args, decision, target };
  // A request that is already satisfied is answered, not sent to anyone (access the user already holds).
  const done = await tool.alreadyDone?.(args, deps.backends, requester, deps.now()).catch(() => null);
  if (done) return { tool: tool.name, args, decision: deny(done, 'already-done'), target };
  return { tool: tool.name, args, decision, target };
}

/**
 * The safety net under any provider (the LLM may be an attacker, or fooled): when the message names someone
 * other than the requester and never speaks of the requester (no I, me, my, mine), a proposal acting on the
 * requester's own account or device is not run. It is decided as a question — whose is it? — and audited
 * with the rule `ask-whose`. People are read from the message as the offline planner reads them
 * (machines/llm/others-named.ts) and looked up in the directory; the requester named by name is the requester.
 */
async function askWhoseInstead(deps: AgentDeps, input: GuardInput, checked: Checked[]): Promise<void> {
  const me = input.requester.id;
  const onRequester = checked.filter((c) => c.decision.effect !== 'deny' && c.target && c.target.kind !== 'none' && c.target.owner === me);
  if (!onRequester.length) return;
  // This turn's message: stored, with its author, as the turn began (the conversation keeps at least it).
  const [message] = recentMessages(deps.db, input.conversationId, 1);
  if (!message || message.role !== 'user' || (message.author && message.author !== me)) return;
  const systems = valueOr(await deps.backends.access.listSystems(), [] as string[]);
  const named = namedWithoutSelf(message.content, systems, (s) => deps.backends.tickets.keyPattern.test(s));
  if (!named) return;
  const others: string[] = [];
  for (const m of named.mentions.slice(0, 5)) {
    const user = valueOr(await deps.backends.directory.find(m.text), null);
    if (user?.id === me) continue;
    // A weak mention the directory does not know is no one ("reset okta password"); a strong one is someone.
    if (user || m.strong) others.push(user ? user.name : m.text);
  }
  for (const w of named.bare.slice(0, 6)) {
    const user = valueOr(await deps.backends.directory.find(w), null);
    if (user && user.id !== me) others.push(user.name);
  }
  if (named.described) others.push(named.described);
  if (!others.length) return;
  const who = [...new Set(others)].slice(0, 3).map((o) => `"${o.slice(0, 60)}"`).join(', ');
  for (const c of onRequester) {
    const t = c.target as Exclude<Target, { kind: 'none' }>;
    const yours = t.kind === 'device' ? `your own device (${t.id})` : t.kind === 'ticket' ? `your own ticket (${t.id})` : 'your own account';
    c.decision = deny(
      `your message names ${who}, not you, so I did not act on ${yours}. Whose is it? Say "mine", or give their name, user id or email.`,
      'ask-whose',
    );
  }
}

/**
 * What `npm run policy -- replay` needs to decide the proposal again, and which policy decided it: the
 * target as it was looked up (kind, id, owner, state; null when never looked up), the policy file's hash,
 * and for an approval who must answer, who may approve, how many and where.
 */
function policyFacts(deps: AgentDeps, c: Checked): Record<string, unknown> {
  const d = c.decision;
  const approval = d.effect === 'require_approval' ? { required: d.required, approvers: d.approvers, approvals: d.approvals, channel: d.channel } : {};
  return { target: c.target, policy_hash: deps.policy.hash, ...approval };
}

function storedArgs(args: unknown): string {
  const text = typeof args === 'string' ? JSON.stringify(args) : canonicalJson(args ?? null);
  return text.length > MAX_STORED_ARGS ? JSON.stringify(`${text.slice(0, MAX_STORED_ARGS)}…(truncated)`) : text;
}

const HOUR_MS = 3_600_000;

/**
 * Caps the tool calls policy lets through per requester per rolling hour, counting the ones stored for
 * earlier turns. Over the cap, a call is denied with the time it frees up; it is decided and audited
 * like any other denial.
 */
function applyRateLimit(deps: AgentDeps, requester: Actor, checked: Checked[], now: number): void {
  const limit = deps.toolCallsPerHour;
  let { count, oldest } = actionsSince(deps.db, requester.id, now - HOUR_MS, limit);
  for (const c of checked) {
    if (c.decision.effect === 'deny') continue;
    if (count < limit) {
      count++;
      continue;
    }
    const freeAt = new Date((oldest ?? now) + HOUR_MS).toISOString().slice(11, 16);
    c.decision = deny(`You have reached the limit of ${limit} actions per hour. Please try again after ${freeAt} UTC, or ask the IT team.`, 'rate-limit');
  }
}

/**
 * Org-wide blast-radius budgets (policy `budgets`): a proposal that would exceed one is escalated (more
 * approvals) or refused. Counted as policies/budgets.ts budgetCount says, over everyone's actions in the
 * window (db/decisions.ts actionsForBudget) and the ones this message already let through. Returns the
 * budgets that changed a decision, for the audit log and the admins' notice.
 */
function applyBudgetLimits(deps: AgentDeps, turn: string, checked: Checked[], now: number): Array<{ budget: string; idx: number }> {
  const budgets = deps.policy.budgets ?? [];
  if (!budgets.length) return [];
  const tripped: Array<{ budget: string; idx: number }> = [];
  const earlier: Proposal[] = [];
  const past = new Map<string, CountedAction[]>();
  const countOf = (b: Budget) => {
    if (!past.has(b.id)) past.set(b.id, actionsForBudget(deps.db, b.tools, now - b.window_minutes * 60_000));
    return budgetCount(b, past.get(b.id)!, now, turn, earlier);
  };
  checked.forEach((c, idx) => {
    if (c.decision.effect === 'deny' || typeof c.args !== 'object' || c.args === null) return;
    const proposal = { tool: c.tool, args: c.args as Record<string, unknown> };
    if (!budgetsFor(budgets, proposal).length) return;
    const before = c.decision;
    c.decision = applyBudgets(budgets, proposal, c.decision, countOf);
    if (c.decision !== before && c.decision.rule.startsWith('budget:')) tripped.push({ budget: c.decision.rule.slice(7), idx });
    if (c.decision.effect !== 'deny') earlier.push(proposal);
  });
  return tripped;
}

/**
 * A request that needs approvers nobody can give (no such group, fewer eligible people than the quorum,
 * only the requester) is refused now with the reason, rather than left waiting for ever.
 */
async function refuseUnapprovable(deps: AgentDeps, requester: Actor, checked: Checked[]): Promise<void> {
  for (const c of checked) {
    const d = c.decision;
    if (d.effect !== 'require_approval' || d.required !== 'approver') continue;
    const route = await routeNow(deps.backends.directory, d, requester.id, { usergroups: deps.usergroups });
    if (route.problem) c.decision = deny(`This needs approval, but ${route.problem}. Please ask the IT team.`, `${d.rule}:no-approvers`);
  }
}

/** Approval ids are unguessable (the nonce is random) yet stable for a turn, so a re-run guard finds its own. */
function approvalId(nonce: string, turnKey: string, idx: number): string {
  return `apr_${createHash('sha256').update(`${nonce}\n${turnKey}\n${idx}`).digest('hex').slice(0, 20)}`;
}

function outputFromRows(rows: DecisionRow[], deps: AgentDeps): GuardOutput {
  const out: GuardOutput = { proposals: [], actions: [], approvals: [] };
  for (const r of rows) {
    const args = JSON.parse(r.args) as unknown;
    const p: ProposalOutcome = { tool: r.tool, args, decision: r.decision, reason: r.reason, rule: r.rule };
    if (r.decision === 'allow') out.actions.push({ key: `${r.turnKey}#${r.idx}`, tool: r.tool, args: args as Record<string, unknown>, approvalId: null });
    if (r.decision === 'require_approval' && r.approvalId) {
      p.approvalId = r.approvalId;
      const a = getApproval(deps.db, r.approvalId);
      if (a) {
        p.required = a.required;
        out.approvals.push({ id: a.id, tool: a.tool, args: JSON.parse(a.args), status: a.status, required: a.required, expiresAt: a.expiresAt, decidedBy: a.decidedBy, ...approverFields(a) });
      }
    }
    out.proposals.push(p);
  }
  return out;
}

/**
 * `guarding`: validate every proposal, resolve what it targets, ask policy, and record decisions,
 * approvals and audit entries in one transaction. Keyed by turn: a restarted guard returns the stored
 * decisions instead of deciding (and creating approvals) again.
 */
export async function guard(deps: AgentDeps, input: GuardInput, signal: AbortSignal): Promise<GuardOutput> {
  await afterPersist(signal);
  const done = decisionsForTurn(deps.db, input.turnKey);
  if (done.length) return outputFromRows(done, deps);
  const withdrawn = input.plan.withdraw ? withdrawPending(deps, input) : [];

  const seen = new Set<string>();
  const checked: Checked[] = [];
  for (const [i, call] of input.plan.calls.entries()) {
    if (i >= MAX_PROPOSALS_PER_TURN) {
      checked.push({
        tool: String(call?.name ?? '').slice(0, 100),
        args: call?.arguments,
        decision: deny(`I only consider ${MAX_PROPOSALS_PER_TURN} actions per message; ask for the rest separately.`, 'proposal-limit'),
        target: null,
      });
      continue;
    }
    checked.push(await check(deps, input.requester, call, seen));
  }

  await askWhoseInstead(deps, input, checked);
  const now = deps.now();
  applyRateLimit(deps, input.requester, checked, now);
  const tripped = applyBudgetLimits(deps, input.turnKey, checked, now);
  await refuseUnapprovable(deps, input.requester, checked);
  const rows: DecisionRow[] = checked.map((c, idx) => ({
    turnKey: input.turnKey,
    idx,
    conversationId: input.conversationId,
    requester: input.requester.id,
    tool: c.tool,
    args: storedArgs(c.args),
    decision: c.decision.effect,
    reason: c.decision.reason,
    rule: c.decision.rule,
    approvalId: c.decision.effect === 'require_approval' ? approvalId(input.nonce, input.turnKey, idx) : null,
    createdAt: now,
  }));

  const { db } = deps;
  transact(db, () => {
    deps.assertOwner?.(input.conversationId);
    // A Stop (here, or recorded from another process) before anyone is asked to approve: nobody is. Checked
    // in this transaction, so a Stop recorded before it always wins. Allowed actions are checked as they start.
    if (rows.some((r) => r.approvalId) && deps.turnStopped?.(input.conversationId)) throw new TurnStoppedError(input.conversationId);
    insertDecisions(db, rows);
    for (const t of tripped) {
      appendAudit(db, { kind: 'budget_reached', actor: input.requester.id, conversationId: input.conversationId, data: { budget: t.budget, turn: input.turnKey, idx: t.idx, tool: rows[t.idx]!.tool, decision: rows[t.idx]!.decision } }, now);
    }
    noticeBudgetsReached(deps, tripped, rows, { requester: input.requester.id, conversationId: input.conversationId, now });
    rows.forEach((row, idx) => {
      const c = checked[idx]!;
      appendAudit(
        db,
        {
          kind: 'proposal_decided',
          actor: input.requester.id,
          conversationId: input.conversationId,
          data: { turn: input.turnKey, idx, tool: row.tool, args: JSON.parse(row.args), decision: row.decision, reason: row.reason, rule: row.rule, role: input.requester.role, ...policyFacts(deps, c) },
        },
        now,
      );
      if (c.decision.effect === 'require_approval' && row.approvalId) {
        insertApproval(db, {
          id: row.approvalId,
          conversationId: input.conversationId,
          requester: input.requester.id,
          tool: row.tool,
          args: row.args,
          target: canonicalJson(c.target),
          required: c.decision.required,
          reason: c.decision.reason,
          rule: c.decision.rule,
          approvers: c.decision.approvers && c.decision.approvers !== 'admins' ? canonicalJson(c.decision.approvers) : null,
          quorum: c.decision.required === 'approver' ? (c.decision.approvals ?? 1) : 1,
          channel: c.decision.channel ?? null,
          createdAt: now,
          expiresAt: now + deps.approvalTtlMs,
        });
        appendAudit(
          db,
          {
            kind: 'approval_requested',
            actor: input.requester.id,
            conversationId: input.conversationId,
            data: {
              approval: row.approvalId,
              tool: row.tool,
              args: JSON.parse(row.args),
              required: c.decision.required,
              approvers: c.decision.approvers ?? 'admins',
              quorum: c.decision.required === 'approver' ? (c.decision.approvals ?? 1) : 1,
              expiresAt: now + deps.approvalTtlMs,
            },
          },
          now,
        );
      }
    });
  });
  deps.crash('decisions_stored');
  const out = outputFromRows(rows, deps);
  return withdrawn.length ? { ...out, approvals: [...withdrawn, ...out.approvals] } : out;
}

/**
 * "Cancel that": the requester's own requests still waiting in this thread are withdrawn (denied by the
 * requester, which mayDecide always allows them), audited, and reported by this turn.
 */
function withdrawPending(deps: AgentDeps, input: GuardInput): ApprovalRef[] {
  const { db } = deps;
  const at = deps.now();
  return transact(db, () => {
    deps.assertOwner?.(input.conversationId);
    const refs: ApprovalRef[] = [];
    for (const a of pendingApprovals(db, input.conversationId).filter((x) => x.requester === input.requester.id && x.expiresAt > at)) {
      if (!decideApprovalRow(db, a.id, 'denied', input.requester.id, at)) continue;
      appendAudit(db, { kind: 'approval_decided', actor: input.requester.id, conversationId: input.conversationId, data: { approval: a.id, status: 'denied', withdrawn: true, tool: a.tool, args: JSON.parse(a.args), requester: a.requester } }, at);
      refs.push({ id: a.id, tool: a.tool, args: JSON.parse(a.args), status: 'denied', required: a.required, expiresAt: a.expiresAt, decidedBy: input.requester.id });
    }
    return refs;
  });
}
