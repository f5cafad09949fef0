import { assign, fromPromise, setup } from 'xstate';
import type { Actor } from '../policies/types';
import type {
  AgentEvent,
  DialogueState,
  ApprovalRef,
  ExecutedAction,
  GuardOutput,
  Plan,
  PlannedAction,
  ProposalOutcome,
  SummarizeInput,
} from './types';

/** Bump when the context or states change shape; stored beside every snapshot. */
export const MACHINE_VERSION = 1;

export interface AgentContext {
  conversationId: string;
  /** Counts user messages; with the conversation id it names the turn (`turnKey`). */
  turn: number;
  nonce: string;
  requester: Actor | null;
  message: string | null;
  plan: Plan | null;
  proposals: ProposalOutcome[];
  actions: PlannedAction[];
  executed: ExecutedAction[];
  /** Approvals created or decided in this turn. */
  approvals: ApprovalRef[];
  /** Ids of approvals still waiting for an answer; the database holds the approvals themselves. */
  pending: string[];
  reply: string | null;
  /** The planner's memory of the thread (last person named, a request awaiting an argument). */
  dialogue?: DialogueState | null;
}

export interface ProposeInput {
  conversationId: string;
  requester: Actor;
  message: string;
  dialogue: DialogueState | null;
}
export interface GuardInput {
  conversationId: string;
  turnKey: string;
  nonce: string;
  requester: Actor;
  plan: Plan;
}
export interface ExecuteInput {
  conversationId: string;
  requester: Actor;
  actions: PlannedAction[];
}

export const turnKey = (ctx: Pick<AgentContext, 'conversationId' | 'turn'>) => `${ctx.conversationId}#${ctx.turn}`;

const missing = (name: string) => () => Promise.reject(new Error(`actor ${name} was not provided`));

export const APOLOGY =
  'Sorry, I could not reach my language model just now, so I did not do anything. Please try again in a minute, or ask me to open a ticket.';
export const INTERNAL_ERROR = 'Sorry, something went wrong on my side while handling that. Nothing further was run; please try again.';

/** What a conversation at rest (idle or awaiting_approval) accepts. */
const atRest = {
  USER_MESSAGE: { target: 'proposing', actions: 'startTurn' },
  APPROVAL_DECIDED: [
    { guard: 'approved', target: 'executing', actions: 'takeDecision' },
    { target: 'summarizing', actions: 'takeDecision' },
  ],
} as const;

const freshTurn = {
  plan: null,
  proposals: [],
  actions: [],
  executed: [],
  approvals: [],
  reply: null,
} satisfies Partial<AgentContext>;

/**
 * One conversation: idle → proposing → guarding → (executing) → summarizing → idle | awaiting_approval.
 * The LLM is only reached from `propose` and `summarize`; `guard` and `execute` are code. Effects are
 * actors supplied with `.provide()`, so the machine itself is pure and can run with scripted actors.
 */
export const agentMachine = setup({
  types: {
    context: {} as AgentContext,
    events: {} as AgentEvent,
    input: {} as { conversationId: string },
  },
  actors: {
    propose: fromPromise<Plan, ProposeInput>(missing('propose')),
    guard: fromPromise<GuardOutput, GuardInput>(missing('guard')),
    execute: fromPromise<ExecutedAction[], ExecuteInput>(missing('execute')),
    summarize: fromPromise<string, SummarizeInput>(missing('summarize')),
  },
  guards: {
    hasActions: ({ context }) => context.actions.length > 0,
    hasPending: ({ context }) => context.pending.length > 0,
    approved: ({ event }) => event.type === 'APPROVAL_DECIDED' && event.approval.status === 'approved',
  },
  actions: {
    startTurn: assign(({ context, event }) => {
      if (event.type !== 'USER_MESSAGE') return {};
      return { ...freshTurn, turn: context.turn + 1, nonce: event.nonce, requester: event.requester, message: event.text };
    }),
    takeDecision: assign(({ context, event }) => {
      if (event.type !== 'APPROVAL_DECIDED') return {};
      const a = event.approval;
      const actions: PlannedAction[] =
        a.status === 'approved' ? [{ key: `approval:${a.id}`, tool: a.tool, args: a.args, approvalId: a.id }] : [];
      return {
        ...freshTurn,
        requester: event.requester,
        message: null,
        approvals: [a],
        actions,
        pending: context.pending.filter((id) => id !== a.id),
      };
    }),
  },
}).createMachine({
  id: 'agent',
  context: ({ input }) => ({
    conversationId: input.conversationId,
    turn: 0,
    nonce: '',
    requester: null,
    message: null,
    pending: [],
    ...freshTurn,
  }),
  initial: 'idle',
  states: {
    idle: {
      on: atRest,
    },
    proposing: {
      invoke: {
        src: 'propose',
        input: ({ context }) => ({ conversationId: context.conversationId, requester: context.requester!, message: context.message!, dialogue: context.dialogue ?? null }),
        onDone: { target: 'guarding', actions: assign({ plan: ({ event }) => event.output, dialogue: ({ event }) => event.output.dialogue ?? null }) },
        onError: { target: 'settling', actions: assign({ reply: APOLOGY }) },
      },
    },
    guarding: {
      invoke: {
        src: 'guard',
        input: ({ context }) => ({
          conversationId: context.conversationId,
          turnKey: turnKey(context),
          nonce: context.nonce,
          requester: context.requester!,
          plan: context.plan!,
        }),
        onDone: {
          target: 'routing',
          actions: assign(({ context, event }) => ({
            // The decisions are stored; the raw calls are not needed again and would only bloat the snapshot.
            plan: { text: context.plan?.text ?? null, calls: [], ...(context.plan?.withdraw ? { withdraw: true } : {}) },
            proposals: event.output.proposals,
            actions: event.output.actions,
            approvals: event.output.approvals,
            // Withdrawn ("cancel that") requests leave the waiting list; new ones join it.
            pending: [
              ...context.pending.filter((id) => !event.output.approvals.some((a) => a.id === id && a.status !== 'pending')),
              ...event.output.approvals.filter((a) => a.status === 'pending').map((a) => a.id),
            ],
          })),
        },
        onError: { target: 'settling', actions: assign({ reply: INTERNAL_ERROR }) },
      },
    },
    routing: {
      always: [{ guard: 'hasActions', target: 'executing' }, { target: 'summarizing' }],
    },
    awaiting_approval: {
      // Same as idle: the thread stays usable while approvals are pending.
      on: atRest,
    },
    executing: {
      invoke: {
        src: 'execute',
        input: ({ context }) => ({ conversationId: context.conversationId, requester: context.requester!, actions: context.actions }),
        onDone: { target: 'summarizing', actions: assign({ executed: ({ event }) => event.output }) },
        onError: { target: 'settling', actions: assign({ reply: INTERNAL_ERROR }) },
      },
    },
    summarizing: {
      invoke: {
        src: 'summarize',
        input: ({ context }) => ({
          requester: context.requester!,
          message: context.message,
          planText: context.plan?.text ?? null,
          withdraw: context.plan?.withdraw ?? false,
          proposals: context.proposals,
          executed: context.executed,
          approvals: context.approvals,
        }),
        onDone: { target: 'settling', actions: assign({ reply: ({ event }) => event.output }) },
        onError: { target: 'settling', actions: assign({ reply: INTERNAL_ERROR }) },
      },
    },
    settling: {
      always: [{ guard: 'hasPending', target: 'awaiting_approval' }, { target: 'idle' }],
    },
  },
});

export type AgentMachine = typeof agentMachine;
export const REST_STATES = ['idle', 'awaiting_approval'] as const;
