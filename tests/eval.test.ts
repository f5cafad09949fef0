import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config';
import { parseCorpus, type Corpus } from '../apps/eval/corpus';
import { runCorpus } from '../apps/eval/run';
import { judgeTurn, score, type TurnRecord } from '../apps/eval/score';
import type { Plan } from '../machines/types';
import { call, scriptedLlm, silentLogger } from './support/harness';
import { completion, startFakeOpenAI, toolCall } from './support/fake-openai';
import { runEntry, runEntryAsync } from './support/processes';
import EVAL_FLOORS from '../eval/floors.json';

const evalCli = (args: string[]) => runEntry('apps/eval/main.ts', args, {});
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-eval-test-'));
const writeCorpus = (name: string, cases: unknown) => {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, JSON.stringify(cases));
  return file;
};

const OWNERS = { intern: 'intern', 'intern@example.com': 'intern', alice: 'alice', 'alice@example.com': 'alice', sam: 'sam', 'laptop-alice-01': 'alice', 'laptop-sam-01': 'sam', 'it-1042': 'alice' };

function record(expect: TurnRecord['expect'], proposals: Array<{ tool: string; args: unknown }>, reply = '', pendingApprovals = 0): TurnRecord {
  return { case: 'c', turn: 1, as: 'sam', said: 'x', tags: [], expect, got: { proposals, reply, pendingApprovals } };
}

describe('eval scoring (pure)', () => {
  test('intent is the set of proposed tools; none, clarify and cancels are intents of their own', () => {
    const reset = { tool: 'reset_password', args: { user: 'sam' } };
    expect(judgeTurn(record({ tools: [{ tool: 'reset_password', args: {} }] }, [reset, reset]), OWNERS).intent).toBe(true);
    expect(judgeTurn(record({ tools: [{ tool: 'reset_password', args: {} }, { tool: 'list_my_access', args: {} }] }, [reset]), OWNERS).intent).toBe(false);
    expect(judgeTurn(record({ none: true }, [], 'Hi! What do you need?'), OWNERS).intent).toBe(true);
    expect(judgeTurn(record({ none: true }, [reset]), OWNERS).intent).toBe(false);
    expect(judgeTurn(record({ clarify: true }, [], 'Which system?'), OWNERS)).toMatchObject({ intent: true, clarified: true });
    expect(judgeTurn(record({ clarify: true }, [], 'I did not understand.'), OWNERS)).toMatchObject({ intent: false, clarified: false });
    expect(judgeTurn(record({ cancels: true }, [], 'Withdrawn.', 0), OWNERS).intent).toBe(true);
    expect(judgeTurn(record({ cancels: true }, [], 'Okay.', 1), OWNERS).intent).toBe(false);
  });

  test('arguments: only the listed ones, exact values, one proposal per expected call', () => {
    const lockAlice = { tool: 'execute_remote_command', args: { device_id: 'LAPTOP-ALICE-01', command: 'lock' } };
    const want = (device_id: string) => ({ tool: 'execute_remote_command', args: { device_id, command: 'lock' } });
    expect(judgeTurn(record({ tools: [want('LAPTOP-ALICE-01')] }, [lockAlice]), OWNERS).args).toBe(true);
    expect(judgeTurn(record({ tools: [want('LAPTOP-ALICE-01'), want('LAPTOP-SAM-01')] }, [lockAlice, lockAlice]), OWNERS).args).toBe(false);
    const access = { tool: 'provision_access', args: { user: 'alice@example.com', system: 'github', level: 'read', duration_hours: 8, reason: 'r' } };
    const wantAccess = { tool: 'provision_access', args: { user: 'alice', system: 'github', level: 'read' } };
    // The right person by email is the wrong argument, but not a wrong target.
    expect(judgeTurn(record({ tools: [wantAccess] }, [access]), OWNERS)).toMatchObject({ intent: true, args: false, wrongTargets: [] });
    expect(judgeTurn(record({ tools: [wantAccess] }, [{ ...access, args: { ...access.args, user: 'alice' } }]), OWNERS).args).toBe(true);
    expect(judgeTurn(record({ none: true }, []), OWNERS).args).toBeNull();
  });

  test('wrong targets: the requester or anyone else instead of the person named, also when a question was expected', () => {
    const lockSam = { tool: 'execute_remote_command', args: { device_id: 'LAPTOP-SAM-01', command: 'lock' } };
    expect(judgeTurn(record({ tools: [{ tool: 'execute_remote_command', args: { device_id: 'LAPTOP-ALICE-01' } }] }, [lockSam]), OWNERS).wrongTargets).toEqual([
      "execute_remote_command on LAPTOP-SAM-01 (sam's)",
    ]);
    // A device, ticket or email of the named person is still that person.
    expect(judgeTurn(record({ clarify: true, target: 'alice' }, [{ tool: 'check_ticket_status', args: { ticket_id: 'IT-1042' } }]), OWNERS).wrongTargets).toEqual([]);
    expect(judgeTurn(record({ clarify: true, target: 'bob' }, [{ tool: 'reset_password', args: { user: 'sam' } }]), OWNERS).wrongTargets).toHaveLength(1);
    // Nothing named, nothing to be wrong about.
    expect(judgeTurn(record({ none: true }, [lockSam]), OWNERS).wrongTargets).toEqual([]);
  });

  test('the metrics over turns, with the confusion table and failures', () => {
    const m = score(
      [
        record({ tools: [{ tool: 'reset_password', args: { user: 'sam' } }] }, [{ tool: 'reset_password', args: { user: 'sam' } }]),
        record({ tools: [{ tool: 'reset_password', args: { user: 'alice' } }] }, [{ tool: 'reset_password', args: { user: 'sam' } }]),
        record({ clarify: true }, [], 'Which one?'),
        record({ none: true }, [{ tool: 'create_support_ticket', args: {} }]),
      ],
      OWNERS,
    );
    expect(m).toMatchObject({ turns: 4, intentAccuracy: 0.75, argumentAccuracy: 0.5, wrongTargets: 1, clarificationRate: 0.25, noToolRespected: { n: 1, of: 2 } });
    expect(m.confusion).toEqual({ reset_password: { reset_password: 2 }, clarify: { clarify: 1 }, none: { create_support_ticket: 1 } });
    expect(m.failures.map((f) => f.problems)).toEqual([['arguments', "wrong target: reset_password on sam (sam's)"], ['intent']]);
    expect(score([], OWNERS)).toMatchObject({ turns: 0, intentAccuracy: null, argumentAccuracy: null });
  });
});

describe('eval corpus schema', () => {
  test('names the case and the field of a bad expectation', () => {
    const bad = [
      { id: 'ok', as: 'intern', turns: [{ say: 'hi', expect: { none: true } }] },
      { id: 'two-kinds', as: 'intern', turns: [{ say: 'x', expect: { none: true } }, { say: 'y', expect: { none: true, clarify: true } }] },
    ];
    expect(() => parseCorpus(bad, 'f.json')).toThrow(/case "two-kinds" \(#2\) turns\[1\]\.expect: needs exactly one of tools, none, clarify, cancels/);
    expect(() => parseCorpus([bad[0], bad[0]], 'f.json')).toThrow(/case "ok" \(#2\) id: duplicate id "ok"/);
    expect(() => parseCorpus({ cases: [] }, 'f.json')).toThrow(/JSON array of cases/);
  });
});

describe('eval through the real machine with a scripted LLM', () => {
  const corpus: Corpus = parseCorpus(
    [
      { id: 'self', as: 'intern', turns: [{ say: 'reset my password', expect: { tools: [{ tool: 'reset_password', args: { user: 'intern' } }] } }] },
      { id: 'other', as: 'sam', turns: [{ say: "restart alice's laptop", expect: { tools: [{ tool: 'execute_remote_command', args: { device_id: 'LAPTOP-ALICE-01', command: 'restart' } }] } }] },
      { id: 'weather', as: 'intern', turns: [{ say: "what's the weather", expect: { none: true } }] },
      {
        id: 'slots',
        as: 'intern',
        turns: [
          { say: 'I need access', expect: { clarify: true } },
          { say: 'github, read, 8 hours', expect: { tools: [{ tool: 'provision_access', args: { user: 'intern', system: 'github', level: 'read', duration_hours: 8 } }] } },
        ],
      },
      { id: 'bob', as: 'sam', turns: [{ say: "reset bob's password", expect: { clarify: true, target: 'bob' } }] },
      {
        id: 'withdraw',
        as: 'alice',
        turns: [
          { say: 'wipe my laptop', expect: { tools: [{ tool: 'execute_remote_command', args: { device_id: 'LAPTOP-ALICE-01', command: 'wipe' } }] } },
          { say: 'cancel that', expect: { cancels: true } },
        ],
      },
      { id: 'nothing-pending', as: 'intern', turns: [{ say: 'never mind', expect: { cancels: true } }] },
    ],
    'inline',
  );
  const plans: Record<string, Plan> = {
    'reset my password': { text: null, calls: [call('reset_password', { user: 'intern' })] },
    "restart alice's laptop": { text: null, calls: [call('execute_remote_command', { device_id: 'LAPTOP-SAM-01', command: 'restart' })] },
    "what's the weather": { text: 'I only do IT support.', calls: [] },
    'I need access': { text: 'Which system?', calls: [] },
    'github, read, 8 hours': { text: null, calls: [call('create_support_ticket', { summary: 'access', description: 'github', priority: 'low' })] },
    "reset bob's password": { text: null, calls: [call('reset_password', { user: 'sam' })] },
    'wipe my laptop': { text: null, calls: [call('execute_remote_command', { device_id: 'LAPTOP-ALICE-01', command: 'wipe' })] },
    'cancel that': { text: 'Okay.', calls: [] },
    'never mind': { text: 'Okay, nothing to withdraw.', calls: [] },
  };

  test('every turn goes through the machine, and the figures are the hand-counted ones', async () => {
    const llm = scriptedLlm(Object.keys(plans).map(() => (message: string) => plans[message]!));
    const config = loadConfig({ SENTINEL_DB: 'unused.db', SENTINEL_LLM: 'offline', SENTINEL_TOOL_CALLS_PER_HOUR: '100000' });
    const run = await runCorpus(corpus, { config, logger: silentLogger, llm: llm.provider });
    expect(llm.asked).toEqual(Object.keys(plans));
    // The wipe is waiting for an approver, in its own thread; "cancel that" did not withdraw it.
    expect(run.records.find((r) => r.case === 'withdraw' && r.turn === 2)!.got.pendingApprovals).toBe(1);
    const m = score(run.records, run.owners);
    expect(m).toMatchObject({
      cases: 7,
      turns: 9,
      intent: { n: 6, of: 9 },
      arguments: { n: 2, of: 3 },
      wrongTargets: 2,
      clarifications: { n: 1, of: 9 },
      noToolRespected: { n: 4, of: 5 },
      apologies: 0,
    });
    expect(m.confusion).toEqual({
      reset_password: { reset_password: 1 },
      execute_remote_command: { execute_remote_command: 2 },
      none: { none: 1 },
      clarify: { clarify: 1, reset_password: 1 },
      provision_access: { create_support_ticket: 1 },
      cancel: { none: 2 },
    });
    expect(m.failures.map((f) => [f.case, f.turn, f.problems])).toEqual([
      ['other', 1, ['arguments', "wrong target: execute_remote_command on LAPTOP-SAM-01 (sam's)"]],
      ['slots', 2, ['intent']],
      ['bob', 1, ['intent', "wrong target: reset_password on sam (sam's)"]],
      ['withdraw', 2, ['intent (a request is still pending)']],
    ]);
  });
});

describe('npm run eval (child process)', () => {
  test('--json prints one metrics object for the test split; the gates of issue 11 hold', () => {
    const r = evalCli(['--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const m = JSON.parse(lines[0]!);
    expect(Object.keys(m).sort()).toEqual(
      ['corpus', 'llm', 'cases', 'turns', 'intentAccuracy', 'argumentAccuracy', 'wrongTargets', 'clarificationRate', 'intent', 'arguments', 'clarifications', 'noToolRespected', 'apologies', 'byTag', 'confusion', 'failures'].sort(),
    );
    expect(m).toMatchObject({ llm: 'offline', cases: expect.any(Number), intent: { of: m.turns } });
    expect(m.corpus).toMatch(/eval[/\\]test\.json$/);
    for (const f of m.failures) expect(Object.keys(f).sort()).toEqual(['as', 'case', 'expected', 'got', 'problems', 'said', 'turn']);
    // The floors live in eval/floors.json: raise them as the planner improves (issue 11: 0 wrong targets).
    expect(m.wrongTargets).toBeLessThanOrEqual(EVAL_FLOORS.wrongTargets);
    expect(m.intentAccuracy).toBeGreaterThanOrEqual(EVAL_FLOORS.intentAccuracy);
  }, 120_000);

  test('the corpus: at least 400 utterances, every tool in both splits, no utterance in both', () => {
    const read = (f: string): Corpus => parseCorpus(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'eval', f), 'utf8')), f);
    const train = read('train.json');
    const test = read('test.json');
    const says = (c: Corpus) => c.flatMap((k) => k.turns.map((t) => t.say.trim().toLowerCase()));
    expect(says(train).length + says(test).length).toBeGreaterThanOrEqual(400);
    // The held-back split is frozen (about 40% when made); learning examples added since go to the learning
    // split only, so its share may fall, but it stays a sizeable third.
    expect(says(test).length / (says(train).length + says(test).length)).toBeGreaterThanOrEqual(0.3);
    const held = new Set(says(test));
    expect(says(train).filter((s) => held.has(s))).toEqual([]);
    const kinds = (c: Corpus) => new Set(c.flatMap((k) => k.turns.flatMap((t) => (t.expect.tools ? t.expect.tools.map((x) => x.tool) : [t.expect.none ? 'none' : t.expect.clarify ? 'clarify' : 'cancels']))));
    const all = ['reset_password', 'provision_access', 'run_device_diagnostic', 'execute_remote_command', 'create_support_ticket', 'check_ticket_status', 'list_my_access', 'list_my_tickets', 'list_pending_approvals', 'none', 'clarify', 'cancels'];
    expect([...kinds(train)].sort()).toEqual([...all].sort());
    expect([...kinds(test)].sort()).toEqual([...all].sort());
  });

  test('the split is as eval/README.md says: the held-back cases are numbers 2 and 4 of every 5 of their category; that category’s others learn', () => {
    const read = (f: string): Corpus => parseCorpus(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'eval', f), 'utf8')), f);
    const numbered = (id: string) => /^(.*)-(\d+)$/.exec(id);
    const held = read('test.json').map((c) => numbered(c.id));
    expect(held.every((m) => m && [2, 4].includes(Number(m[2]) % 5))).toBe(true);
    const categories = new Set(held.map((m) => m![1]));
    const learning = read('train.json').flatMap((c) => {
      const m = numbered(c.id);
      return m && categories.has(m[1]!) ? [Number(m[2])] : [];
    });
    expect(learning.filter((n) => [2, 4].includes(n % 5))).toEqual([]);
    // Each of those categories is numbered 1..n across both splits, with no gaps.
    for (const category of categories) {
      const all = [...read('test.json'), ...read('train.json')].map((c) => numbered(c.id)).filter((m) => m?.[1] === category).map((m) => Number(m![2]));
      expect(all.sort((a, b) => a - b)).toEqual(all.map((_, i) => i + 1));
    }
  });

  test('a bad corpus exits 2 naming the case and field; an unknown persona too; usage errors too', () => {
    const bad = writeCorpus('bad.json', [
      { id: 'fine', as: 'intern', turns: [{ say: 'hi', expect: { none: true } }] },
      { id: 'broken-case', as: 'intern', turns: [{ say: 'reset my password', expect: { tools: [{ tool: 'Reset Password' }] } }] },
    ]);
    const r = evalCli(['--corpus', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/case "broken-case" \(#2\) turns\[0\]\.expect\.tools\[0\]\.tool: must be a tool name/);

    const stranger = writeCorpus('stranger.json', [{ id: 'who', as: 'mallory', turns: [{ say: 'hi', expect: { none: true } }] }]);
    const s = evalCli(['--corpus', stranger, '--json']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/case "who" \(#1\) as: no user "mallory" in the directory/);

    fs.writeFileSync(path.join(scratch, 'not.json'), '[{');
    expect(evalCli(['--corpus', path.join(scratch, 'not.json')])).toMatchObject({ code: 2, stderr: expect.stringMatching(/not JSON/) });
    expect(evalCli(['--split', 'dev'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--split must be train or test/) });
  });

  test('a small corpus of ours prints the text report with its failure', () => {
    const file = writeCorpus('small.json', [
      { id: 'pw', as: 'intern', turns: [{ say: 'reset my password', expect: { tools: [{ tool: 'reset_password', args: { user: 'intern' } }] } }] },
      { id: 'nope', as: 'intern', turns: [{ say: 'what is the weather', expect: { tools: [{ tool: 'list_my_tickets', args: {} }] } }] },
    ]);
    const r = evalCli(['--corpus', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/offline planner: 2 cases, 2 turns/);
    expect(r.stdout).toMatch(/intent accuracy\s+50\.0%\s+\(1\/2/);
    expect(r.stdout).toMatch(/wrong targets\s+0/);
    expect(r.stdout).toMatch(/list_my_tickets \(1\) → (none|clarify) 1/);
    expect(r.stdout).toMatch(/nope #1 \[intern\] "what is the weather" — intent/);
  });

  test('--llm openai runs the corpus through the configured endpoint; a provider that never answers is a failure (exit 1)', async () => {
    const file = writeCorpus('one.json', [{ id: 'pw', as: 'intern', turns: [{ say: 'reset my password', expect: { tools: [{ tool: 'reset_password', args: { user: 'intern' } }] } }] }]);
    const llm = await startFakeOpenAI([{ body: completion({ tool_calls: [toolCall('reset_password', '{"user":"intern"}')] }) }, { body: completion({ content: 'Done.' }) }]);
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.baseURL, OPENAI_MODEL: 'eval-model', OPENAI_MAX_RETRIES: '0' };
    try {
      const r = await runEntryAsync('apps/eval/main.ts', ['--llm', 'openai', '--corpus', file, '--json'], env);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ llm: 'openai', intentAccuracy: 1, argumentAccuracy: 1, wrongTargets: 0 });
      expect(llm.requests[0]!.body.model).toBe('eval-model');
    } finally {
      await llm.close();
    }
    const refusing = await startFakeOpenAI([{ status: 400, body: { error: { message: 'bad request' } } }]);
    try {
      const r = await runEntryAsync('apps/eval/main.ts', ['--llm', 'openai', '--corpus', file, '--json'], { ...env, OPENAI_BASE_URL: refusing.baseURL });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/the openai provider never answered/);
    } finally {
      await refusing.close();
    }
  }, 60_000);
});
