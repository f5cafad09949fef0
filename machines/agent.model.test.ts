import fc from 'fast-check';
import { createActor, fromPromise } from 'xstate';
import { agentMachine, REST_STATES } from './agent';
import type { AgentEvent, ApprovalRef, ExecutedAction, GuardOutput, PlannedAction } from './types';

// Model-based test of the machine alone: every reachable state receives every kind of event, in or out
// of order, while its effects (the four actors) finish or fail when the generated script says so.

const STATES = ['idle', 'proposing', 'guarding', 'routing', 'executing', 'summarizing', 'settling', 'awaiting_approval'];
const ACTOR_OF: Record<string, string> = { proposing: 'propose', guarding: 'guard', executing: 'execute', summarizing: 'summarize' };
const requester = { id: 'alice', role: 'employee' as const };

type Step =
  | { kind: 'message' }
  | { kind: 'decide'; status: 'approved' | 'denied' | 'expired'; pick: number; known: boolean }
  | { kind: 'finish'; ok: boolean; allowed: number; pending: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant({ kind: 'message' as const }),
  fc.record({ kind: fc.constant('decide' as const), status: fc.constantFrom('approved' as const, 'denied' as const, 'expired' as const), pick: fc.nat(), known: fc.boolean() }),
  { arbitrary: fc.record({ kind: fc.constant('finish' as const), ok: fc.boolean(), allowed: fc.nat({ max: 3 }), pending: fc.nat({ max: 2 }) }), weight: 4 },
);

interface Running {
  src: string;
  input: any;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const flush = () => new Promise((r) => setImmediate(r));
const RUNS = Number(process.env.SENTINEL_MODEL_RUNS ?? 300);

test(`machine model: every state × every event keeps the invariants (${RUNS} runs)`, async () => {
  let transitions = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      let running: Running | null = null;
      const started: string[] = [];
      // Typed as any: the model resolves each effect with whatever output the script picks.
      const controlled = (src: string): any =>
        fromPromise(
          ({ input }: { input: any }) =>
            new Promise((resolve, reject) => {
              expect(running).toBeNull(); // one effect at a time
              started.push(src);
              running = { src, input, resolve, reject };
            }),
        );
      const machine = agentMachine.provide({ actors: { propose: controlled('propose'), guard: controlled('guard'), execute: controlled('execute'), summarize: controlled('summarize') } });
      const actor = createActor(machine, { input: { conversationId: 'c' } });
      actor.start();
      let pending = new Set<string>(); // the model's view of approvals waiting for an answer
      let lastGuard: GuardOutput | null = null;
      let approvedNow: string | null = null;
      let seq = 0;

      for (const s of steps) {
        const before = actor.getSnapshot();
        const atRest = (REST_STATES as readonly string[]).includes(String(before.value));
        if (s.kind === 'message' || s.kind === 'decide') {
          let event: AgentEvent;
          if (s.kind === 'message') {
            event = { type: 'USER_MESSAGE', requester, text: 'hi', nonce: `n${seq++}` };
          } else {
            const ids = [...pending];
            const id = s.known && ids.length ? ids[s.pick % ids.length]! : `apr_unknown${seq++}`;
            const approval: ApprovalRef = { id, tool: 'execute_remote_command', args: { device_id: 'D', command: 'wipe' }, status: s.status, required: 'approver', expiresAt: 0 };
            event = { type: 'APPROVAL_DECIDED', requester, approval };
          }
          actor.send(event);
          await flush();
          const after = actor.getSnapshot();
          if (!atRest) {
            // Busy states ignore outside events entirely: the runner delivers them once the turn rests.
            expect(after.value).toBe(before.value);
            expect(after.context).toEqual(before.context);
            continue;
          }
          if (event.type === 'USER_MESSAGE') {
            expect(after.value).toBe('proposing');
            expect(after.context.turn).toBe(before.context.turn + 1);
          } else {
            pending.delete(event.approval.id);
            approvedNow = event.approval.status === 'approved' ? event.approval.id : null;
            expect(after.value).toBe(approvedNow ? 'executing' : 'summarizing');
          }
          transitions++;
        } else {
          const r = running as Running | null;
          if (!r) continue;
          running = null;
          if (!s.ok) r.reject(new Error('effect failed'));
          else if (r.src === 'propose') r.resolve({ text: null, calls: [] });
          else if (r.src === 'guard') {
            const actions: PlannedAction[] = Array.from({ length: s.allowed }, (_, i) => ({ key: `${r.input.turnKey}#${i}`, tool: 'reset_password', args: { user: 'alice' }, approvalId: null }));
            const approvals: ApprovalRef[] = Array.from({ length: s.pending }, () => ({ id: `apr_${seq++}`, tool: 'execute_remote_command', args: { device_id: 'D', command: 'wipe' }, status: 'pending', required: 'approver', expiresAt: 0 }));
            lastGuard = { proposals: [], actions, approvals };
            approvals.forEach((a) => pending.add(a.id));
            r.resolve(lastGuard);
          } else if (r.src === 'execute') {
            r.resolve((r.input.actions as PlannedAction[]).map((a): ExecutedAction => ({ key: a.key, tool: a.tool, args: a.args, ok: true, output: {} })));
          } else r.resolve('reply');
          await flush();
          transitions++;
        }
        const now = actor.getSnapshot();
        const value = String(now.value);
        expect(STATES).toContain(value);
        const cur = running as Running | null;
        if ((REST_STATES as readonly string[]).includes(value)) {
          expect(cur).toBeNull();
          // The machine's pending list is exactly the model's; awaiting_approval iff something is pending.
          expect(new Set(now.context.pending)).toEqual(pending);
          expect(value).toBe(pending.size ? 'awaiting_approval' : 'idle');
          if (now.context.turn > 0 || approvedNow) expect(now.context.reply).not.toBeNull();
        } else {
          // Each busy state runs exactly its own effect: the LLM is reached only from proposing and summarizing.
          expect(cur?.src).toBe(ACTOR_OF[value]);
          if (value === 'executing') {
            const keys = (cur!.input.actions as PlannedAction[]).map((a) => a.key);
            // Only what the guard allowed this turn, or exactly the one approved request.
            if (approvedNow && keys.length === 1 && keys[0] === `approval:${approvedNow}`) continue;
            expect(keys).toEqual((lastGuard?.actions ?? []).map((a) => a.key));
            expect(keys.length).toBeGreaterThan(0);
          }
        }
        if (value === 'proposing') approvedNow = null;
      }
      actor.stop();
    }),
    { numRuns: RUNS },
  );
  expect(transitions).toBeGreaterThan(RUNS);
});
