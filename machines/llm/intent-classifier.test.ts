import { classifyIntent, MIN_SCORE, trainingExamples } from './intent-classifier';
import { offlineProvider } from './offline';
import { isNotUnderstood, offlinePlan } from './offline-planner';
import type { ProposeRequest } from './provider';

const intern = { id: 'intern', role: 'employee' as const, email: 'intern@example.com', name: 'Ivy Intern', devices: ['LAPTOP-INTERN-01'] };
const req = (message: string): ProposeRequest => ({ requester: intern, history: [], message, systemIds: ['github', 'vpn'], people: [], dialogue: null });

describe('intent classifier (NLP.js, trained at start-up from the repository)', () => {
  test('learns from every tool’s own examples and the learning half of the corpus only', () => {
    const examples = trainingExamples();
    for (const intent of ['reset_password', 'list_my_access', 'list_pending_approvals', 'none', 'cancel']) expect(examples.some((e) => e.intent === intent)).toBe(true);
    expect(examples.length).toBeGreaterThan(200);
  });

  test('recognises phrasings it never saw that the rules do not understand', async () => {
    for (const [message, intent] of [
      ['my machine is acting funny', 'run_device_diagnostic'],
    ] as const) {
      expect(isNotUnderstood(offlinePlan(req(message)))).toBe(true);
      const guess = await classifyIntent(message);
      expect(guess).toMatchObject({ intent });
      expect(guess.score).toBeGreaterThanOrEqual(MIN_SCORE);
      const plan = await offlineProvider.propose(req(message));
      expect(plan.calls.map((c) => c.name)).toEqual([intent]);
    }
  });

  test('a guess never picks a remote command: it asks which one', () => {
    const plan = offlinePlan(req('do the thing to my laptop'), 'execute_remote_command');
    expect(plan.calls).toEqual([]);
    expect(plan.text).toMatch(/lock, restart or wipe LAPTOP-INTERN-01\?/);
  });

  test('a guess never answers with the requester’s own data, nor acts on everyone, when someone else was named', async () => {
    const alice = { mention: 'alice', person: { id: 'alice', name: 'Alice Anders', devices: ['LAPTOP-ALICE-01'] } };
    for (const message of ['which systems can alice get into', 'anything alice reported to IT so far']) {
      const plan = await offlineProvider.propose({ ...req(message), people: [alice] });
      expect(plan.calls).toEqual([]);
      expect(plan.text).toMatch(/only show your own/);
    }
  });
});
