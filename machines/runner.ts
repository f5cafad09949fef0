import { createActor, fromPromise, waitFor, type SnapshotFrom } from 'xstate';
import { appendAudit } from '../db/audit';
import { decideApprovalRow, expireDueApprovals, getApproval, undeliveredApprovals, type ApprovalRow } from '../db/approvals';
import { loadConversation, listUnsettled, saveConversation } from '../db/conversations';
import { planExecutions } from '../db/executions';
import { appendMessage } from '../db/messages';
import { transact } from '../db/transact';
import { mayDecide } from '../policies/approvals';
import type { Actor } from '../policies/types';
import { agentMachine, MACHINE_VERSION, REST_STATES, type AgentContext } from './agent';
import { execute } from './actors/execute';
import { guard } from './actors/guard';
import { propose } from './actors/propose';
import { summarize } from './actors/summarize';
import { MAX_MESSAGE_CHARS, type AgentDeps } from './deps';
import type { AgentEvent, ApprovalRef, ExecutedAction, ProposalOutcome } from './types';

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
}

const atRest = (s: Snapshot) => (REST_STATES as readonly string[]).includes(s.value as string);
/** Told of every turn the machine ran, whoever started it (a message, a click, recovery, the sweeper). */
export type TurnListener = (result: TurnResult) => Promise<void> | void;

const PERSISTED_STATES = new Set(['proposing', 'executing', ...REST_STATES]);

function toApprovalRef(a: ApprovalRow): ApprovalRef {
  return { id: a.id, tool: a.tool, args: JSON.parse(a.args), status: a.status, required: a.required, expiresAt: a.expiresAt, decidedBy: a.decidedBy };
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

/**
 * Drives conversations: one event at a time per conversation (others run in parallel), each turn
 * loaded from SQLite, run to rest, and persisted at every stable point. Transports (CLI, Slack) call
 * only this.
 */
export class ConversationRunner {
  private readonly machine;
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<TurnListener>();

  constructor(private readonly deps: AgentDeps) {
    this.machine = agentMachine.provide({
      actors: {
        propose: fromPromise(({ input, signal }) => propose(deps, input, signal)),
        guard: fromPromise(({ input, signal }) => guard(deps, input, signal)),
        execute: fromPromise(({ input, signal }) => execute(deps, input, signal)),
        summarize: fromPromise(({ input, signal }) => summarize(deps, input, signal)),
      },
    });
  }

  /**
   * Registers a listener for every settled turn (refusals, which never reach the machine, are only
   * returned). It runs inside the conversation's queue, so a thread's replies are published in order.
   */
  onTurn(listener: TurnListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A user's message in a conversation. */
  handleMessage(conversationId: string, requester: Actor, text: string): Promise<TurnResult> {
    const trimmed = text.trim();
    if (!trimmed) return Promise.resolve(this.refusal(conversationId, 'Your message was empty. What can I help with?'));
    if (trimmed.length > MAX_MESSAGE_CHARS) {
      return Promise.resolve(
        this.refusal(conversationId, `Your message is too long (${trimmed.length} characters; the limit is ${MAX_MESSAGE_CHARS}). Please shorten it.`),
      );
    }
    return this.enqueue(conversationId, () =>
      this.run(conversationId, { type: 'USER_MESSAGE', requester, text: trimmed, nonce: this.deps.randomId() }),
    );
  }

  /**
   * An approver's (or, for confirmations, the requester's) answer. Checked again here whatever the
   * transport showed; the compare-and-set on the approval row makes concurrent answers resolve to one.
   */
  async decideApproval(approvalId: string, decider: Actor, decision: 'approve' | 'deny'): Promise<TurnResult> {
    const { db, now } = this.deps;
    const approval = getApproval(db, approvalId);
    if (!approval) return this.refusal('', `There is no approval request "${approvalId.slice(0, 80)}".`);
    const at = now();
    const verdict = mayDecide(approval, decider, decision, at);
    if (!verdict.ok) {
      transact(db, () => {
        if (verdict.expired) expireDueApprovals(db, at);
        appendAudit(db, { kind: 'approval_refused', actor: decider.id, conversationId: approval.conversationId, data: { approval: approvalId, decision, reason: verdict.reason } }, at);
      });
      if (verdict.expired) await this.deliverExpired([{ ...approval, status: 'expired' }]);
      return this.refusedApproval(getApproval(db, approvalId)!, verdict.reason);
    }
    const status = decision === 'approve' ? 'approved' : 'denied';
    const won = transact(db, () => {
      if (!decideApprovalRow(db, approvalId, status, decider.id, at)) return false;
      appendAudit(db, { kind: 'approval_decided', actor: decider.id, conversationId: approval.conversationId, data: { approval: approvalId, status, tool: approval.tool, args: JSON.parse(approval.args), requester: approval.requester } }, at);
      return true;
    });
    if (!won) {
      // Lost the race to another click: the policy's own wording says who decided it.
      const current = getApproval(db, approvalId)!;
      const again = mayDecide(current, decider, decision, at);
      return this.refusedApproval(current, again.ok ? 'This request was already decided.' : again.reason);
    }
    this.deps.crash('approval_stored');
    return this.deliver(getApproval(db, approvalId)!);
  }

  /** Finishes turns a crash interrupted, and delivers decisions that were stored but never acted on. */
  async recover(): Promise<TurnResult[]> {
    const results: TurnResult[] = [];
    for (const id of listUnsettled(this.deps.db)) {
      const r = await this.enqueue(id, () => this.run(id, null));
      if (r.recovered) results.push(r.recovered);
    }
    for (const approval of undeliveredApprovals(this.deps.db)) results.push(await this.deliver(approval));
    return results;
  }

  /** Expires overdue approvals (telling their threads) and revokes expired access grants. */
  async sweep(): Promise<{ expiredApprovals: number; revokedGrants: number }> {
    const { db, now, backends } = this.deps;
    const at = now();
    const expired = transact(db, () => {
      const rows = expireDueApprovals(db, at);
      for (const a of rows) appendAudit(db, { kind: 'approval_expired', actor: null, conversationId: a.conversationId, data: { approval: a.id } }, at);
      return rows;
    });
    await this.deliverExpired(expired);
    const revoked = await backends.access.revokeExpired(at);
    if (revoked.length) {
      transact(db, () => {
        for (const g of revoked) appendAudit(db, { kind: 'grant_revoked', actor: null, data: { grant: g.id, user: g.userId, system: g.system, level: g.level } }, at);
      });
    }
    return { expiredApprovals: expired.length, revokedGrants: revoked.length };
  }

  /** Resolves when every queued turn has finished (for orderly shutdown). */
  async idle(): Promise<void> {
    while (this.queues.size) await Promise.allSettled([...this.queues.values()]);
  }

  private async deliverExpired(rows: ApprovalRow[]): Promise<void> {
    for (const a of rows) await this.deliver(a);
  }

  private async deliver(approval: ApprovalRow): Promise<TurnResult> {
    const requester = await this.deps.backends.directory.find(approval.requester);
    const actor: Actor = requester
      ? { id: requester.id, role: requester.active ? requester.role : 'guest', email: requester.email, name: requester.name }
      : { id: approval.requester, role: 'guest' };
    return this.enqueue(approval.conversationId, () =>
      this.run(approval.conversationId, { type: 'APPROVAL_DECIDED', requester: actor, approval: toApprovalRef(approval) }),
    );
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

  private async run(conversationId: string, event: AgentEvent | null): Promise<TurnResult> {
    const { db, now, historyMessages } = this.deps;
    let { snapshot, version } = this.restore(conversationId);
    const actor = snapshot
      ? createActor(this.machine, { snapshot, input: { conversationId } })
      : createActor(this.machine, { input: { conversationId } });
    let prev = actor.getSnapshot();
    let failure: unknown = null;

    const persist = (next: Snapshot) => {
      const changedState = next.value !== prev.value;
      const newTurn = next.context.turn !== prev.context.turn;
      if (!(changedState || newTurn) || !PERSISTED_STATES.has(String(next.value))) return;
      const at = now();
      transact(db, () => {
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
        if (atRest(next) && !atRest(prev) && c.reply) appendMessage(db, conversationId, { role: 'assistant', content: c.reply }, historyMessages, at);
      });
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
          failure = err;
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
      actor.start();
      let recovered: TurnResult | undefined;
      if (!atRest(actor.getSnapshot())) {
        await settle();
        recovered = resultOf(conversationId, actor.getSnapshot());
      }
      if (!event) {
        if (recovered) await this.notify(recovered);
        return { ...resultOf(conversationId, actor.getSnapshot()), recovered };
      }
      actor.send(event);
      await settle();
      const settled = resultOf(conversationId, actor.getSnapshot());
      const result = recovered ? { ...settled, recovered } : settled;
      await this.notify(result);
      return result;
    } finally {
      sub.unsubscribe();
      actor.stop();
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
