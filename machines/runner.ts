import { createActor, fromPromise, waitFor, type SnapshotFrom } from 'xstate';
import { appendAudit } from '../db/audit';
import { addApprovalVote, approvalVotesFor, decideApprovalRow, expireDueApprovals, getApproval, markDelivered, undeliveredApprovals, type ApprovalRow } from '../db/approvals';
import { ConcurrentUpdateError, loadConversation, listUnsettled, saveConversation } from '../db/conversations';
import { planExecutions } from '../db/executions';
import { appendMessage } from '../db/messages';
import { homesOfApprovers, enqueueHomeRefresh, enqueueOutbox, type OutboxItem } from '../db/outbox';
import { homeAudience } from './home-audience';
import { redactText } from '../db/redact';
import { transact } from '../db/transact';
import { acquireLease, leaseHolder, releaseLease, renewLease, requestStop, setLeaseRequester, stopRequested, takeOverLease } from '../db/turn-leases';
import { guestsCannot, mayDecide, type ApproverCheck } from '../policies/approvals';
import { describeApprovers, eligible } from '../policies/routing';
import type { Actor } from '../policies/types';
import type { SlackWorkspace } from '../tools/contract';
import { agentMachine, MACHINE_VERSION, REST_STATES, type AgentContext } from './agent';
import { execute } from './actors/execute';
import { guard } from './actors/guard';
import { propose } from './actors/propose';
import { recheckApproval } from './actors/recheck';
import { sweepGrants, type GrantSweepResult } from './grant-sweeper';
import { approvalDecision, approverFields, routeNow, type UsergroupMembers } from './approvers';
import { summarize } from './actors/summarize';
import { MAX_MESSAGE_CHARS, type AgentDeps, type TurnStep, type TurnStepBody } from './deps';
import { currentRights, directoryActor } from './identity';
import { ownerIsDead, processOwnerId } from './process-owner';
import { TurnLostError, TurnStoppedError } from './turn-errors';
import type { AgentEvent, ApprovalRef, ExecutedAction, Plan, ProposalOutcome } from './types';
import type { SummarizeRequest } from './llm/provider';

type Snapshot = SnapshotFrom<typeof agentMachine>;

export interface TurnResult {
  thread: string;
  state: string;
  reply: string;
  proposals: Array<Pick<ProposalOutcome, 'tool' | 'args' | 'decision' | 'reason'>>;
  executed: Array<Pick<ExecutedAction, 'tool' | 'args' | 'ok' | 'output'>>;
  approvals: Array<Pick<ApprovalRef, 'id' | 'tool' | 'args' | 'status' | 'required'>>;
  /** A turn interrupted by a crash and finished before this one. */
  recovered?: TurnResult;
  /** Set when the request was refused before reaching the machine (approval checks, limits). */
  refused?: boolean;
  /**
   * Set when another process took this turn over while this one ran it: that process finishes it and
   * reports the outcome, so a transport that shows people the outcome says nothing here.
   */
  takenOver?: boolean;
}

const atRest = (s: Snapshot) => (REST_STATES as readonly string[]).includes(s.value as string);
/** Told of every turn the machine ran, whoever started it (a message, a click, recovery, the sweeper). */
export type TurnListener = (result: TurnResult) => Promise<void> | void;
/** Told what a turn in this process is doing now; called synchronously, so it must not block. */
export type StepListener = (step: TurnStep) => void;

const PERSISTED_STATES = new Set(['proposing', 'executing', ...REST_STATES]);

/** What a message's turn planned beyond its calls, for handleMessage: the requester's typed confirmation. */
interface TurnCapture {
  confirm?: string;
}

function toApprovalRef(a: ApprovalRow): ApprovalRef {
  return { id: a.id, tool: a.tool, args: JSON.parse(a.args), status: a.status, required: a.required, expiresAt: a.expiresAt, decidedBy: a.decidedBy, ...approverFields(a) };
}

const publicApproval = ({ id, tool, args, status, required }: ApprovalRef) => ({ id, tool, args, status, required });

function resultOf(conversationId: string, s: Snapshot): TurnResult {
  const c: AgentContext = s.context;
  return {
    thread: conversationId,
    state: String(s.value),
    reply: c.reply ?? '',
    proposals: c.proposals.map(({ tool, args, decision, reason }) => ({ tool, args, decision, reason })),
    executed: c.executed.map(({ tool, args, ok, output }) => ({ tool, args, ok, output })),
    approvals: c.approvals.map(publicApproval),
  };
}

/** What a stopped turn proposes: nothing. */
const STOPPED_PLAN: Plan = { text: null, calls: [] };
const whenAborted = (signal: AbortSignal) => new Promise<typeof STOPPED_PLAN>((resolve) => (signal.aborted ? resolve(STOPPED_PLAN) : signal.addEventListener('abort', () => resolve(STOPPED_PLAN), { once: true })));
/** The first line of a stopped turn's reply; what did run (and what was not run) follows it. */
function stoppedNote(executed: ExecutedAction[]): string {
  return executed.some((e) => e.output.stopped !== true) ? '⏹️ Stopped, as you asked. What had already started is reported below; nothing else was run.' : '⏹️ Stopped, as you asked: nothing was run.';
}

const RECOVERED_PREFIX = '(finishing your previous request) ';
const BUSY_REPLY = 'I am still working on an earlier request in this conversation, so I did not take this one in. Please send it again in a minute.';
const TAKEN_OVER_REPLY = 'Another Sentinel process took this request over while I was handling it; it will post the outcome.';
/** How often a running turn looks for a Stop asked in another process (a cheap read of its own lease row). */
const STOP_POLL_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BUSY = Symbol('busy');
/**
 * Drives conversations: one event at a time per conversation (others run in parallel), each turn
 * loaded from SQLite, run to rest, and persisted at every stable point. Transports (CLI, Slack) call
 * only this.
 *
 * Across processes sharing the database, a turn has one owner: the process holding the conversation's
 * lease (renewed while the turn runs and with every save). Another process waits for it, and takes a
 * turn over only once its owner stopped renewing the lease (died). Everything a settled turn has to
 * show people is written to the outbox in the transaction that settles it.
 */
export class ConversationRunner {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<TurnListener>();
  private readonly stepListeners = new Set<StepListener>();
  /** The turn each conversation is running in this process, and whose it is, for stopTurn(). */
  private readonly running = new Map<string, { stop: AbortController; requester: string | null; turn: number }>();
  /** This process's name on the leases it holds. */
  readonly owner = processOwnerId();
  private readonly leaseMs: number;
  private readonly leaseWaitMs: number;

  private readonly deps: AgentDeps;

  constructor(deps: AgentDeps) {
    this.leaseMs = deps.leaseMs ?? 15_000;
    this.leaseWaitMs = deps.leaseWaitMs ?? 60_000;
    // Every write that decides or starts something proves (and extends) this process's lease.
    this.deps = deps = {
      ...deps,
      assertOwner: (conversationId) => this.assertOwner(conversationId),
      step: (s) => this.step(s),
      turnStopped: (conversationId) => this.turnStopped(conversationId),
    };
  }

  /**
   * How Slack user groups resolve to directory ids (policy `approvers: { slack_usergroup }`): only the
   * Slack app can say, and it exists after the core, so it plugs this in when it starts.
   */
  resolveUsergroupsWith(members: UsergroupMembers): void {
    this.deps.usergroups = members;
  }

  /** The Slack workspace the app is installed in (auth.test): tickets opened from its threads link back to them. */
  linkSlackThreads(workspace: SlackWorkspace): void {
    this.deps.slackWorkspace = workspace;
  }

  /** Conversations whose summary a transport shows as it is written: the provider is asked to stream it there. */
  streamSummariesWhen(wanted: (conversationId: string) => boolean): void {
    this.summaryStreamed = wanted;
  }
  private summaryStreamed: (conversationId: string) => boolean = () => false;

  /**
   * Registers a listener for every settled turn (refusals, which never reach the machine, are only
   * returned). It runs inside the conversation's queue, after the turn and its outbox rows are stored.
   */
  onTurn(listener: TurnListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The machine with its effectful actors, for one conversation's turn. A turn the person stopped
   * (stopTurn) proposes nothing — an LLM call in flight is abandoned, not awaited, and its answer dropped —
   * decides nothing, runs nothing that has not started (execute checks before each action), and says so in
   * code-written words, reporting what did run; an LLM summary in flight is abandoned for the template one.
   */
  private machineFor(conversationId: string, seen?: TurnCapture) {
    const deps = this.deps;
    const stopOf = () => this.stopSignal(conversationId);
    const templateOnly = { ...deps, llm: { ...deps.llm, summarize: () => Promise.reject(new Error('turn stopped: template summary')) } };
    // A summary a provider streams is shown as it is written (a `writing` step per piece).
    const writing = { ...deps, llm: { ...deps.llm, summarize: (req: SummarizeRequest, signal?: AbortSignal) => deps.llm.summarize(req, signal, (text) => this.step({ conversationId, step: 'writing', text })) } };
    // The requester's typed "yes" to their own confirmation: handleMessage answers it once the turn settled.
    const capture = (plan: Plan): Plan => {
      if (seen && plan.confirm) seen.confirm = plan.confirm;
      return plan;
    };
    return agentMachine.provide({
      actors: {
        propose: fromPromise(async ({ input, signal }) => {
          const stop = stopOf();
          if (!stop) return capture(await propose(deps, input, signal));
          const plan = await Promise.race([propose(deps, input, AbortSignal.any([signal, stop])), whenAborted(stop)]).catch((err: unknown) => {
            if (stop.aborted) return STOPPED_PLAN;
            throw err;
          });
          return stop.aborted || plan === STOPPED_PLAN ? { ...STOPPED_PLAN, dialogue: input.dialogue } : capture(plan as Plan);
        }),
        guard: fromPromise(async ({ input, signal }) => {
          // turnStopped also reads a Stop recorded from another process (the lease), not only this one's.
          if (!deps.turnStopped?.(conversationId)) {
            try {
              return await guard(deps, input, signal);
            } catch (err) {
              if (!(err instanceof TurnStoppedError)) throw err;
            }
          }
          return guard(deps, { ...input, plan: STOPPED_PLAN }, signal);
        }),
        execute: fromPromise(({ input, signal }) => execute(deps, input, signal)),
        summarize: fromPromise(async ({ input, signal }) => {
          const stop = stopOf();
          const withText = this.summaryStreamed(conversationId) ? writing : deps;
          if (!stop) return summarize(withText, input, signal);
          if (!stop.aborted) {
            const reply = await Promise.race([summarize(withText, input, AbortSignal.any([signal, stop])), whenAborted(stop)]);
            if (!stop.aborted && typeof reply === 'string') return reply;
          }
          return summarize(templateOnly, { ...input, planText: stoppedNote(input.executed) }, signal);
        }),
      },
    });
  }

  /**
   * Stops the conversation's running turn (Slack's Stop, "stop" typed in the thread), if `by` is whose turn
   * it is, wherever it runs: here at once, in another process through its lease row (that process notices
   * within STOP_POLL_MS, and before it starts any action). Returns what happened: `stopped`, `not_running`
   * (no turn runs anywhere now; nothing is recorded, so no later turn is stopped), or `not_yours`.
   */
  stopTurn(conversationId: string, by: Actor): 'stopped' | 'not_running' | 'not_yours' {
    const turn = this.running.get(conversationId);
    if (!turn) {
      const outcome = requestStop(this.deps.db, conversationId, by.id, Date.now());
      if (outcome === 'stopped') this.deps.logger.info({ conversationId, by: by.id }, 'turn stopped by the person; another process runs it');
      return outcome;
    }
    if (turn.stop.signal.aborted) return 'not_running';
    if (turn.requester !== by.id) return 'not_yours';
    this.deps.logger.info({ conversationId, by: by.id }, 'turn stopped by the person');
    turn.stop.abort();
    return 'stopped';
  }

  /**
   * Whether the conversation's turn in this process was stopped: here, or by a Stop recorded on its lease
   * from another process (then it is stopped here too, as a local Stop would). Execute asks this inside the
   * transaction that claims an action, so a Stop recorded before the claim always keeps the action from running.
   */
  private turnStopped(conversationId: string): boolean {
    const turn = this.running.get(conversationId);
    if (!turn) return false;
    if (!turn.stop.signal.aborted) {
      const by = stopRequested(this.deps.db, conversationId, this.owner);
      if (by !== null) {
        this.deps.logger.info({ conversationId, by }, 'turn stopped by the person from another process');
        turn.stop.abort();
      }
    }
    return turn.stop.signal.aborted;
  }

  private stopSignal(conversationId: string): AbortSignal | undefined {
    return this.running.get(conversationId)?.stop.signal;
  }

  /**
   * Registers a listener for what turns run by this process are doing (reading the request, running a
   * tool, ended — however they end), for a transport's progress line. Nothing of it is stored.
   */
  onStep(listener: StepListener): () => void {
    this.stepListeners.add(listener);
    return () => this.stepListeners.delete(listener);
  }

  private step(body: TurnStepBody): void {
    if (!this.stepListeners.size) return;
    const s: TurnStep = { ...body, turn: this.running.get(body.conversationId)?.turn ?? 0 };
    for (const listener of this.stepListeners) {
      try {
        listener(s);
      } catch (err) {
        this.deps.logger.warn({ err, conversationId: s.conversationId }, 'turn step listener failed');
      }
    }
  }

  /**
   * A user's message in a conversation. When another process keeps the conversation busy for longer
   * than the wait, the message is refused (nothing was taken in); when another process takes the turn
   * over midway, the result says so (`takenOver`).
   */
  async handleMessage(conversationId: string, requester: Actor, text: string): Promise<TurnResult> {
    const trimmed = text.trim();
    if (!trimmed) return this.refusal(conversationId, 'Your message was empty. What can I help with?');
    if (trimmed.length > MAX_MESSAGE_CHARS) {
      return this.refusal(conversationId, `Your message is too long (${trimmed.length} characters; the limit is ${MAX_MESSAGE_CHARS}). Please shorten it.`);
    }
    // Secrets a person types are masked at the door: nothing downstream (the LLM, the snapshot, history,
    // the audit log) needs them, and the snapshot and history would otherwise keep them.
    const masked = redactText(trimmed);
    const state = { expired: false };
    const r = await this.locked(conversationId, this.leaseWaitMs, async () => {
      const seen: TurnCapture = {};
      const turn = await this.run(conversationId, { type: 'USER_MESSAGE', requester, text: masked, nonce: this.deps.randomId() }, seen);
      return seen.confirm ? this.confirmTyped(conversationId, requester, seen.confirm, turn, state) : turn;
    }).catch((err: unknown) => this.takenOverOr(conversationId, err));
    if (state.expired) await this.deliverUndelivered();
    return r === BUSY ? this.refusal(conversationId, BUSY_REPLY) : r;
  }

  /**
   * The requester typed "yes" to their own confirmation waiting in this thread (the plan's `confirm`, set
   * only by code: machines/actors/propose.ts). It is answered exactly as `--approve` by the requester is —
   * decideHeld's re-checks: only the requester, still allowed by policy now, not expired, not decided — and
   * never for a request that needs other approvers. Call holding the lease, after the message's turn settled.
   */
  private async confirmTyped(conversationId: string, requester: Actor, approvalId: string, turn: TurnResult, state: { expired: boolean }): Promise<TurnResult> {
    const approval = getApproval(this.deps.db, approvalId);
    if (!approval || approval.conversationId !== conversationId || approval.required !== 'requester' || approval.requester !== requester.id) {
      this.deps.logger.warn({ conversationId, approval: approvalId.slice(0, 80) }, 'a typed confirmation named a request it may not confirm; nothing was decided');
      return turn;
    }
    const decided = await this.decideHeld(approvalId, requester, 'approve', state);
    // A refusal never reached the machine: the transport shows it (Slack posts it in the thread).
    if (decided.refused) return { ...decided, thread: conversationId };
    return { ...decided, reply: [turn.reply, decided.reply].filter(Boolean).join('\n'), ...(turn.recovered ? { recovered: turn.recovered } : {}) };
  }

  /**
   * An approver's (or, for confirmations, the requester's) answer. Checked again here whatever the
   * transport showed, with the decider's rights as the directory gives them now; the compare-and-set
   * on the approval row makes concurrent answers resolve to one. The decision and its delivery happen
   * under the conversation's lease, so no other process can deliver it in between.
   */
  async decideApproval(approvalId: string, decider: Actor, decision: 'approve' | 'deny'): Promise<TurnResult> {
    const { db } = this.deps;
    const found = getApproval(db, approvalId);
    // A guest answers nobody else's requests: an id that exists and one that does not get the same refusal,
    // at once (not after waiting for a busy conversation, which would tell them apart too).
    if (decider.role === 'guest' && found?.requester !== decider.id) return this.refusal('', guestsCannot(decision));
    if (!found) return this.refusal('', `There is no approval request "${approvalId.slice(0, 80)}".`);
    const state = { expired: false };
    const r = await this.locked(found.conversationId, this.leaseWaitMs, () => this.decideHeld(approvalId, decider, decision, state)).catch((err: unknown) =>
      this.takenOverOr(found.conversationId, err),
    );
    // Whose request it is was not checked yet: the refusal shows nothing of it.
    if (r === BUSY) return this.refusal('', 'This conversation is busy with another request right now; nothing was decided. Please try again in a minute.');
    // Expiring on a click expires every overdue request: each of them is reported, not only this one.
    if (state.expired) await this.deliverUndelivered();
    return r;
  }

  /**
   * decideApproval's checks and decision, for a caller holding the conversation's lease (a click, `--approve`,
   * or the requester's "yes" typed in the thread): every answer goes through exactly these re-checks.
   * `state.expired` says the request was found expired (overdue requests are then to be delivered).
   */
  private async decideHeld(approvalId: string, decider: Actor, decision: 'approve' | 'deny', state: { expired: boolean }): Promise<TurnResult> {
    const { db } = this.deps;
    const approval = getApproval(db, approvalId)!;
    const at = this.deps.now();
    const who = await currentRights(this.deps.backends.directory, decider);
    const requester = who.id === approval.requester ? who : await directoryActor(this.deps.backends.directory, approval.requester);
    const { decision: current } = await recheckApproval(this.deps, approval, requester);
    // Approvers are resolved for every request they answer, and for a confirmation someone else denies.
    const routed = approval.required === 'approver' || (decision === 'deny' && who.id !== approval.requester);
    const check = routed ? await this.approverCheck(approval, who) : undefined;
    const verdict = mayDecide(approval, who, decision, at, current, check);
    if (!verdict.ok) {
      state.expired = !!verdict.expired;
      transact(db, () => {
        if (verdict.expired) this.expireDue(at);
        appendAudit(db, { kind: 'approval_refused', actor: who.id, conversationId: approval.conversationId, data: { approval: approvalId, decision, reason: verdict.reason, role: who.role } }, at);
      });
      // Someone the request does not belong to learns that, and nothing of the request (its action, thread, state).
      return verdict.outsider ? this.refusal('', verdict.reason) : this.refusedApproval(getApproval(db, approvalId)!, verdict.reason);
    }
    const votes = check && check.quorum > 1 && decision === 'approve' ? [...check.votes, who.id] : null;
    // Not yet the quorum: the approval is recorded, the card says "1 of 2 approved", nothing runs.
    if (votes && votes.length < check!.quorum) return this.recordVote(approval, who, votes, check!.quorum, at);
    const status = decision === 'approve' ? 'approved' : 'denied';
    const won = transact(db, () => {
      if (votes && !addApprovalVote(db, approvalId, who.id, at)) return false;
      if (!decideApprovalRow(db, approvalId, status, who.id, at)) return false;
      appendAudit(
        db,
        {
          kind: 'approval_decided',
          actor: who.id,
          conversationId: approval.conversationId,
          data: { approval: approvalId, status, tool: approval.tool, args: JSON.parse(approval.args), requester: approval.requester, role: who.role, ...(votes ? { approved_by: votes } : {}) },
        },
        at,
      );
      return true;
    });
    if (!won) {
      // Lost the race to another click: the policy's own wording says who decided it.
      const latest = getApproval(db, approvalId)!;
      const again = mayDecide(latest, who, decision, at, current);
      return this.refusedApproval(latest, again.ok ? 'This request was already decided.' : again.reason);
    }
    this.deps.crash('approval_stored');
    return this.deliverHeld(getApproval(db, approvalId)!);
  }

  /**
   * Finishes turns a crashed process left (only those whose owner's lease has run out), and delivers
   * decisions that were stored but never reported, whoever made them.
   */
  async recover(): Promise<TurnResult[]> {
    const results: TurnResult[] = [];
    for (const id of listUnsettled(this.deps.db)) {
      if (this.heldByLiveOther(id)) continue;
      const r = await this.locked(id, 0, () => this.run(id, null)).catch((err: unknown) => this.lostOr(err));
      if (r && r !== BUSY && r.recovered) results.push(r.recovered);
    }
    results.push(...(await this.deliverUndelivered()));
    return results;
  }

  /**
   * Expires overdue approvals, delivers every decision not yet reported, and runs the grant scheduler
   * (machines/grant-sweeper.ts): new grants scheduled, one-hour warnings, due grants revoked through the
   * configured Access backend with backoff, each told in its thread.
   */
  async sweep(): Promise<{ expiredApprovals: number; revokedGrants: number }> {
    const { db, now } = this.deps;
    const at = now();
    const expired = transact(db, () => this.expireDue(at));
    await this.deliverUndelivered();
    const grants = await this.sweepGrants();
    return { expiredApprovals: expired.length, revokedGrants: grants.revoked.length };
  }

  /** The grant scheduler's pass alone (sweep() runs it): what it scheduled, warned, revoked, and how many revocations failed. */
  async sweepGrants(): Promise<GrantSweepResult> {
    try {
      return await sweepGrants(this.deps, { owner: this.owner });
    } catch (err) {
      // The schedule is in SQLite: whatever this pass did not finish, the next one does.
      this.deps.logger.error({ err }, 'the grant scheduler failed; retrying at the next sweep');
      return { scheduled: 0, warned: 0, revoked: [], failed: 0 };
    }
  }

  /** Resolves when every queued turn has finished (for orderly shutdown). */
  async idle(): Promise<void> {
    while (this.queues.size) await Promise.allSettled([...this.queues.values()]);
  }

  /** Inside the caller's transaction: marks overdue approvals expired and audits each. */
  private expireDue(at: number): ApprovalRow[] {
    const rows = expireDueApprovals(this.deps.db, at);
    for (const a of rows) appendAudit(this.deps.db, { kind: 'approval_expired', actor: null, conversationId: a.conversationId, data: { approval: a.id } }, at);
    return rows;
  }

  /** Reports every decided approval no turn has reported yet; conversations busy elsewhere are left to their owner. */
  private async deliverUndelivered(): Promise<TurnResult[]> {
    const results: TurnResult[] = [];
    for (const approval of undeliveredApprovals(this.deps.db)) {
      const r = await this.locked(approval.conversationId, 0, () => this.deliverHeld(approval)).catch((err: unknown) => this.lostOr(err));
      if (r && r !== BUSY) results.push(r);
    }
    return results;
  }

  /** Runs the turn that reports a decision (and runs an approved action), unless one already did. Call holding the lease. */
  private async deliverHeld(approval: ApprovalRow): Promise<TurnResult> {
    const latest = getApproval(this.deps.db, approval.id)!;
    if (latest.deliveredAt !== null) return this.refusedApproval(latest, 'This decision was already carried out.');
    const requester = await directoryActor(this.deps.backends.directory, latest.requester);
    return this.run(latest.conversationId, { type: 'APPROVAL_DECIDED', requester, approval: toApprovalRef(latest) });
  }

  private assertOwner(conversationId: string): void {
    if (!renewLease(this.deps.db, conversationId, this.owner, Date.now() + this.leaseMs)) throw new TurnLostError(conversationId);
  }

  private heldByLiveOther(conversationId: string): boolean {
    const holder = leaseHolder(this.deps.db, conversationId, Date.now());
    return holder !== null && holder !== this.owner && !ownerIsDead(holder);
  }

  /** A turn this process lost to another is an outcome (the other reports it); anything else is a failure. */
  private takenOverOr(conversationId: string, err: unknown): TurnResult {
    if (!(err instanceof TurnLostError)) throw err;
    this.deps.logger.info({ conversationId }, 'another process took this turn over; it reports the outcome');
    return { ...this.refusal(conversationId, TAKEN_OVER_REPLY), takenOver: true };
  }

  private lostOr(err: unknown): null {
    if (err instanceof TurnLostError) {
      this.deps.logger.info({ conversationId: err.conversationId }, 'another process took this turn over; it reports the outcome');
      return null;
    }
    this.deps.logger.error({ err }, 'recovering a conversation failed');
    return null;
  }

  /**
   * Who may approve `approval` now (its approvers resolved against today's directory; guests never), and
   * which earlier approvals still count: only those of people who are still approvers.
   */
  private async approverCheck(approval: ApprovalRow, who: Actor): Promise<ApproverCheck> {
    // A confirmation is answered by its requester; the IT admins (its approvers, had it needed any) may stop it.
    const decision = approval.required === 'requester' ? { ...approvalDecision(approval), required: 'approver' as const, approvers: 'admins' as const, approvals: 1 } : approvalDecision(approval);
    const spec = decision.approvers ?? 'admins';
    const route = await routeNow(this.deps.backends.directory, decision, approval.requester, { usergroups: this.deps.usergroups });
    const rightRole = spec === 'admins' ? who.role === 'admin' : who.role !== 'guest';
    return {
      eligible: rightRole && eligible(route, who.id),
      approvers: describeApprovers(spec),
      votes: approvalVotesFor(this.deps.db, approval.id).filter((v) => eligible(route, v)),
      quorum: route.approvals,
    };
  }

  /** One approval towards a quorum not yet reached: stored, audited, the cards updated; nothing runs. */
  private recordVote(approval: ApprovalRow, who: Actor, votes: string[], quorum: number, at: number): TurnResult {
    const { db } = this.deps;
    const recorded = transact(db, () => {
      if (getApproval(db, approval.id)?.status !== 'pending' || !addApprovalVote(db, approval.id, who.id, at)) return false;
      appendAudit(db, { kind: 'approval_vote', actor: who.id, conversationId: approval.conversationId, data: { approval: approval.id, approved_by: votes, quorum, role: who.role } }, at);
      if (this.deps.outboxFor?.(approval.conversationId)) {
        enqueueOutbox(db, [{ kind: 'card_update', key: `update:${approval.id}:vote:${who.id}`, conversationId: approval.conversationId, body: { approval: approval.id } }], Date.now());
        enqueueHomeRefresh(db, [who.id, homesOfApprovers(approval.id)], Date.now());
      }
      return true;
    });
    const latest = getApproval(db, approval.id)!;
    if (!recorded) return this.refusedApproval(latest, 'This request was already decided, or you had already approved it.');
    const more = quorum - votes.length;
    // Told to the approver only (a "refusal" in transport terms: nothing went through the machine).
    return this.refusedApproval(latest, `Your approval is recorded: ${votes.length} of ${quorum}. It runs once ${more} more approver${more === 1 ? '' : 's'} approve${more === 1 ? 's' : ''}.`);
  }

  private refusedApproval(row: ApprovalRow, reason: string): TurnResult {
    return { ...this.refusal(row.conversationId, reason), approvals: [publicApproval(toApprovalRef(row))] };
  }

  private refusal(thread: string, reply: string): TurnResult {
    return { thread, state: 'idle', reply, proposals: [], executed: [], approvals: [], refused: true };
  }

  private enqueue<T>(conversationId: string, job: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(conversationId) ?? Promise.resolve();
    const next = previous.then(job, job);
    const tail = next.catch(() => undefined);
    this.queues.set(conversationId, tail);
    void tail.then(() => {
      if (this.queues.get(conversationId) === tail) this.queues.delete(conversationId);
    });
    return next;
  }

  /**
   * Runs `job` holding the conversation's lease: in this process's queue for the conversation, after
   * taking the lease (waiting up to `waitMs` for another process to finish), renewing it while the job
   * runs, and releasing it after. Returns BUSY when the lease could not be had in time.
   * Leases use the wall clock, not the injectable one: they are about processes being alive.
   */
  private locked<T>(conversationId: string, waitMs: number, job: () => Promise<T>): Promise<T | typeof BUSY> {
    const { db } = this.deps;
    return this.enqueue(conversationId, async () => {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const at = Date.now();
        if (acquireLease(db, conversationId, this.owner, at, at + this.leaseMs)) break;
        const holder = leaseHolder(db, conversationId, at);
        if (holder && ownerIsDead(holder) && takeOverLease(db, conversationId, holder, this.owner, at + this.leaseMs)) {
          this.deps.logger.warn({ conversationId, from: holder }, 'took over a turn whose process has died');
          break;
        }
        if (at >= deadline) return BUSY;
        await sleep(Math.min(100, deadline - at));
      }
      const heartbeat = setInterval(() => {
        try {
          renewLease(db, conversationId, this.owner, Date.now() + this.leaseMs);
        } catch (err) {
          this.deps.logger.warn({ err, conversationId }, 'could not renew the turn lease');
        }
      }, Math.max(50, Math.floor(this.leaseMs / 3)));
      heartbeat.unref();
      try {
        return await job();
      } finally {
        clearInterval(heartbeat);
        try {
          releaseLease(db, conversationId, this.owner);
        } catch (err) {
          // It expires on its own; another process waits at most one lease period.
          this.deps.logger.warn({ err, conversationId }, 'could not release the turn lease');
        }
      }
    });
  }

  private restore(conversationId: string): { snapshot: Snapshot | undefined; version: number } {
    const stored = loadConversation(this.deps.db, conversationId);
    if (!stored) return { snapshot: undefined, version: 0 };
    if (stored.machineVersion !== MACHINE_VERSION) {
      this.deps.logger.warn({ conversationId, stored: stored.machineVersion }, 'snapshot from another machine version; starting the conversation afresh');
      return { snapshot: undefined, version: stored.version };
    }
    try {
      return { snapshot: JSON.parse(stored.snapshot) as Snapshot, version: stored.version };
    } catch (err) {
      this.deps.logger.error({ err, conversationId }, 'unreadable snapshot; starting the conversation afresh');
      return { snapshot: undefined, version: stored.version };
    }
  }

  /** What people must be shown of a turn that just settled, for transports to deliver from the outbox. */
  private outboxItems(conversationId: string, c: AgentContext, version: number, recovering: boolean): OutboxItem[] {
    if (!this.deps.outboxFor?.(conversationId)) return [];
    const items: OutboxItem[] = [];
    for (const a of c.approvals) {
      if (a.status === 'pending') items.push({ kind: 'approval_cards', key: `cards:${a.id}`, conversationId, body: { approval: a.id } });
      else items.push({ kind: 'card_update', key: `update:${a.id}:${a.status}`, conversationId, body: { approval: a.id } });
    }
    if (c.reply) {
      const text = recovering ? `${RECOVERED_PREFIX}${c.reply}` : c.reply;
      const waiting = c.approvals.filter((a) => a.status === 'pending').map((a) => a.id);
      items.push({ kind: 'reply', key: `reply:${conversationId}:${version}`, conversationId, body: { text, approvals: waiting, turn: c.turn } });
    }
    return items;
  }

  /** Runs one event (or, with null, only finishes an interrupted turn). Call holding the lease. */
  private async run(conversationId: string, event: AgentEvent | null, seen?: TurnCapture): Promise<TurnResult> {
    const { db, now, historyMessages } = this.deps;
    let { snapshot, version } = this.restore(conversationId);
    const actor = snapshot
      ? createActor(this.machineFor(conversationId, seen), { snapshot, input: { conversationId } })
      : createActor(this.machineFor(conversationId, seen), { input: { conversationId } });
    let prev = actor.getSnapshot();
    let failure: unknown = null;
    let recovering = false;
    // A turn left unfinished is finished first, as its requester's: only they can stop it (and a Stop
    // recorded for it before this process took it over still holds). The event's turn is a new one.
    const interrupted = !atRest(actor.getSnapshot());
    const before = actor.getSnapshot().context;
    const turn = { stop: new AbortController(), requester: (interrupted ? before.requester?.id : event?.requester.id) ?? before.requester?.id ?? null, turn: before.turn };
    this.running.set(conversationId, turn);
    const watchStop = () => {
      try {
        this.turnStopped(conversationId);
      } catch (err) {
        this.deps.logger.warn({ err, conversationId }, 'could not look for a Stop asked in another process');
      }
    };
    let stopPoll: ReturnType<typeof setInterval> | undefined;

    const persist = (next: Snapshot) => {
      const changedState = next.value !== prev.value;
      const newTurn = next.context.turn !== prev.context.turn;
      if (!(changedState || newTurn) || !PERSISTED_STATES.has(String(next.value))) return;
      const at = now();
      transact(db, () => {
        // Every save proves this process still owns the turn, and extends its lease.
        this.assertOwner(conversationId);
        version = saveConversation(
          db,
          conversationId,
          { snapshot: JSON.stringify(actor.getPersistedSnapshot()), machineVersion: MACHINE_VERSION, state: String(next.value) },
          version,
          at,
        );
        const c = next.context;
        if (newTurn && c.message !== null) appendMessage(db, conversationId, { role: 'user', content: c.message, author: c.requester?.id }, historyMessages, at);
        if (next.value === 'executing' && prev.value !== 'executing') {
          planExecutions(
            db,
            c.actions.map((a) => ({ key: a.key, conversationId, approvalId: a.approvalId, requester: c.requester!.id, tool: a.tool, args: JSON.stringify(a.args) })),
            at,
          );
        }
        if (atRest(next) && !atRest(prev)) {
          if (c.reply) appendMessage(db, conversationId, { role: 'assistant', content: c.reply, author: c.requester?.id }, historyMessages, at); // whom it answered
          markDelivered(db, c.approvals.filter((a) => a.status !== 'pending').map((a) => a.id), at);
          // Delivery timing is wall-clock (retries, claims), whatever clock the turn runs on.
          enqueueOutbox(db, this.outboxItems(conversationId, c, version, recovering), Date.now());
          enqueueHomeRefresh(db, homeAudience(c), Date.now());
        }
      });
      turn.turn = next.context.turn;
      if (newTurn && next.value === 'proposing') this.step({ conversationId, step: 'reading' });
      if (next.value === 'executing' && prev.value !== 'executing') {
        this.step({ conversationId, step: 'executing', actions: next.context.actions.map((a) => ({ key: a.key, tool: a.tool, args: a.args })) });
      }
      // Settled: said before the outbox shows the reply or a card, so a status line is gone by then.
      if (atRest(next) && !atRest(prev)) this.step({ conversationId, step: 'ended' });
      if (newTurn && next.value === 'proposing') this.deps.crash('turn_stored');
      if (next.value === 'executing' && prev.value !== 'executing') this.deps.crash('intent_stored');
      if (atRest(next) && !atRest(prev)) this.deps.crash('reply_stored');
    };

    const sub = actor.subscribe({
      next: (next) => {
        if (failure) return;
        try {
          persist(next);
          prev = next;
        } catch (err) {
          // Nothing may run on top of a state we could not save: stop before any actor gets past afterPersist().
          failure = err instanceof ConcurrentUpdateError ? new TurnLostError(conversationId) : err;
          queueMicrotask(() => actor.stop());
        }
      },
      error: (err) => {
        failure = err;
      },
    });
    const settle = async () => {
      try {
        await waitFor(actor, (s) => atRest(s) || failure !== null);
      } catch (err) {
        throw failure ?? err;
      }
      if (failure) throw failure;
    };

    try {
      setLeaseRequester(db, conversationId, this.owner, turn.requester, { newTurn: !interrupted });
      watchStop();
      stopPoll = setInterval(watchStop, STOP_POLL_MS);
      stopPoll.unref();
      actor.start();
      let recovered: TurnResult | undefined;
      if (!atRest(actor.getSnapshot())) {
        recovering = true;
        await settle();
        recovering = false;
        recovered = resultOf(conversationId, actor.getSnapshot());
      }
      if (!event) {
        if (recovered) await this.notify(recovered);
        return { ...resultOf(conversationId, actor.getSnapshot()), recovered };
      }
      if (interrupted) {
        // A Stop of the finished turn is not one of this event's turn.
        turn.stop = new AbortController();
        turn.requester = event.requester.id;
        setLeaseRequester(db, conversationId, this.owner, turn.requester, { newTurn: true });
      }
      actor.send(event);
      await settle();
      const settled = resultOf(conversationId, actor.getSnapshot());
      const result = recovered ? { ...settled, recovered } : settled;
      await this.notify(result);
      return result;
    } finally {
      clearInterval(stopPoll);
      // Settled: nothing runs any more, so a Stop now is not recorded as if something would stop.
      if (atRest(actor.getSnapshot()) && failure === null) {
        try {
          setLeaseRequester(db, conversationId, this.owner, null, { newTurn: true });
        } catch (err) {
          this.deps.logger.warn({ err, conversationId }, 'could not mark the turn settled on its lease');
        }
      }
      sub.unsubscribe();
      actor.stop();
      // However the turn ended (settled, failed, lost to another process).
      this.step({ conversationId, step: 'ended' });
      if (this.running.get(conversationId) === turn) this.running.delete(conversationId);
    }
  }

  private async notify(result: TurnResult): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(result);
      } catch (err) {
        // The turn is settled and stored; a transport that failed to show it must not undo that.
        this.deps.logger.error({ err, conversationId: result.thread }, 'turn listener failed');
      }
    }
  }
}
