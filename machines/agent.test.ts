import { createActor, fromPromise, waitFor } from 'xstate';
import { agentMachine, APOLOGY } from './agent';
import type { ApprovalRef, ExecutedAction, GuardOutput, Plan } from './types';

const intern = { id: 'intern', role: 'employee' as const };
const msg = (text: string) => ({ type: 'USER_MESSAGE' as const, requester: intern, text, nonce: 'n' });

function scripted(opts: { plan?: Plan; guard?: GuardOutput; proposeFails?: boolean }) {
  const calls = { propose: 0, guard: 0, execute: 0, summarize: 0 };
  const machine = agentMachine.provide({
    actors: {
      propose: fromPromise(async () => {
        calls.propose++;
        if (opts.proposeFails) throw new Error('LLM down');
        return opts.plan ?? { text: null, calls: [] };
      }),
      guard: fromPromise(async () => {
        calls.guard++;
        return opts.guard ?? { proposals: [], actions: [], approvals: [] };
      }),
      execute: fromPromise(async ({ input }) => {
        calls.execute++;
        return input.actions.map((a): ExecutedAction => ({ key: a.key, tool: a.tool, args: a.args, ok: true, output: {} }));
      }),
      summarize: fromPromise(async ({ input }) => {
        calls.summarize++;
        return `executed ${input.executed.length}, approvals ${input.approvals.map((a) => a.status).join(',')}`;
      }),
    },
  });
  const actor = createActor(machine, { input: { conversationId: 'c1' } });
  const states: string[] = [];
  actor.subscribe((s) => {
    if (states[states.length - 1] !== s.value) states.push(String(s.value));
  });
  actor.start();
  return { actor, calls, states };
}

const rest = (s: { value: unknown }) => s.value === 'idle' || s.value === 'awaiting_approval';
const approval = (status: ApprovalRef['status']): ApprovalRef => ({
  id: 'apr_1',
  tool: 'execute_remote_command',
  args: { device_id: 'LAPTOP-INTERN-01', command: 'wipe' },
  status,
  required: 'approver',
  expiresAt: 0,
});

describe('agent machine', () => {
  test('an allowed proposal goes proposing → guarding → executing → summarizing → idle', async () => {
    const { actor, calls, states } = scripted({
      guard: { proposals: [], actions: [{ key: 'k', tool: 'reset_password', args: { user: 'intern' }, approvalId: null }], approvals: [] },
    });
    actor.send(msg('reset my password'));
    await waitFor(actor, rest);
    expect(states).toEqual(['idle', 'proposing', 'guarding', 'executing', 'summarizing', 'idle']);
    expect(calls).toEqual({ propose: 1, guard: 1, execute: 1, summarize: 1 });
    expect(actor.getSnapshot().context.reply).toBe('executed 1, approvals ');
  });

  test('a proposal needing approval waits in awaiting_approval, then an approval runs exactly that action', async () => {
    const { actor, calls, states } = scripted({ guard: { proposals: [], actions: [], approvals: [approval('pending')] } });
    actor.send(msg('wipe my laptop'));
    await waitFor(actor, rest);
    expect(actor.getSnapshot().value).toBe('awaiting_approval');
    expect(actor.getSnapshot().context.pending).toEqual(['apr_1']);
    expect(calls.execute).toBe(0);

    actor.send({ type: 'APPROVAL_DECIDED', requester: intern, approval: approval('approved') });
    await waitFor(actor, (s) => s.value === 'idle');
    expect(states.slice(-4)).toEqual(['awaiting_approval', 'executing', 'summarizing', 'idle']);
    expect(calls.execute).toBe(1);
    expect(actor.getSnapshot().context.executed[0]).toMatchObject({ key: 'approval:apr_1', tool: 'execute_remote_command' });
    expect(actor.getSnapshot().context.pending).toEqual([]);
  });

  test('a denial is explained without executing', async () => {
    const { actor, calls } = scripted({ guard: { proposals: [], actions: [], approvals: [approval('pending')] } });
    actor.send(msg('wipe my laptop'));
    await waitFor(actor, rest);
    actor.send({ type: 'APPROVAL_DECIDED', requester: intern, approval: approval('denied') });
    await waitFor(actor, (s) => s.value === 'idle');
    expect(calls.execute).toBe(0);
    expect(actor.getSnapshot().context.reply).toBe('executed 0, approvals denied');
  });

  test('the user may keep talking while an approval is pending', async () => {
    const { actor } = scripted({ guard: { proposals: [], actions: [], approvals: [approval('pending')] } });
    actor.send(msg('wipe my laptop'));
    await waitFor(actor, rest);
    actor.send(msg('also, hi'));
    await waitFor(actor, (s) => s.context.turn === 2 && rest(s));
    expect(actor.getSnapshot().value).toBe('awaiting_approval');
  });

  test('an LLM failure ends in an apology and back to idle, with no guard or execution', async () => {
    const { actor, calls } = scripted({ proposeFails: true });
    actor.send(msg('reset my password'));
    await waitFor(actor, rest);
    expect(actor.getSnapshot().value).toBe('idle');
    expect(actor.getSnapshot().context.reply).toBe(APOLOGY);
    expect(calls).toMatchObject({ guard: 0, execute: 0, summarize: 0 });
  });

  test('nothing allowed: skips executing', async () => {
    const { actor, states, calls } = scripted({});
    actor.send(msg('hello'));
    await waitFor(actor, rest);
    expect(states).toEqual(['idle', 'proposing', 'guarding', 'summarizing', 'idle']);
    expect(calls.execute).toBe(0);
  });

  test('events out of order for the state are ignored', async () => {
    const { actor } = scripted({});
    // proposing is busy: a second message or an approval event must not change anything
    actor.send(msg('one'));
    expect(actor.getSnapshot().value).toBe('proposing');
    actor.send(msg('two'));
    actor.send({ type: 'APPROVAL_DECIDED', requester: intern, approval: approval('approved') });
    expect(actor.getSnapshot().context.turn).toBe(1);
    expect(actor.getSnapshot().context.message).toBe('one');
    await waitFor(actor, rest);
    expect(actor.getSnapshot().context.executed).toEqual([]);
  });
});
