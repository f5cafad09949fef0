import fc from 'fast-check';
import { parseArgs, UsageError } from '../apps/cli/args';
import { openaiProvider } from '../machines/llm/openai';
import { decide } from '../policies/decide';
import { PolicyTableSchema, defaultRules } from '../policies/rules';
import { ROLES } from '../policies/types';
import { openSentinel } from './support/harness';
import { startFakeOpenAI, completion, type Reply } from './support/fake-openai';

// Every parser that faces the outside gets arbitrary input: each either accepts it or rejects it with a
// clear error; none throws anything else, and nothing runs on junk.

const RUNS = Number(process.env.SENTINEL_FUZZ_RUNS ?? 300);
let fuzzCases = 0;
afterAll(() => process.stdout.write(`fuzz: ${fuzzCases} cases\n`));

const anyJson = fc.jsonValue({ maxDepth: 4 });

describe('fuzz', () => {
  test('CLI arguments: a command or a UsageError, never anything else', () => {
    const word = fc.oneof(fc.constantFrom('--as', '--thread', '--json', '--approve', '--deny', '-h', '--help', '--', 'sam', 'apr_1', ''), fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 5 }));
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (argv) => {
        fuzzCases++;
        try {
          const cmd = parseArgs(argv);
          expect(['help', 'repl', 'message', 'decide']).toContain(cmd.kind);
          if (cmd.kind === 'message') expect(cmd.text.length).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          expect((err as Error).message.length).toBeGreaterThan(5);
        }
      }),
      { numRuns: RUNS * 5 },
    );
  });

  test('policy tables: the schema accepts or rejects any JSON with issues, and decide() is total on what it accepts', () => {
    const rule = fc.record(
      {
        id: fc.oneof(fc.string(), anyJson),
        roles: fc.oneof(fc.array(fc.constantFrom(...ROLES, 'root')), anyJson),
        tools: fc.oneof(fc.constant('*'), fc.array(fc.constantFrom('reset_password', 'execute_remote_command', 'nope')), anyJson),
        scope: fc.constantFrom('own', 'other', 'any', 'mine'),
        when: fc.oneof(fc.constant(undefined), fc.dictionary(fc.constantFrom('command', 'duration_hours'), fc.oneof(fc.array(fc.constantFrom('wipe', 'lock', 3)), fc.record({ gt: fc.integer() }), anyJson))),
        effect: fc.constantFrom('allow', 'deny', 'require_approval', 'maybe'),
        required: fc.constantFrom(undefined, 'approver', 'requester', 'nobody'),
        reason: fc.oneof(fc.string({ minLength: 1 }), anyJson),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.array(rule, { maxLength: 4 }), anyJson), fc.constantFrom(...ROLES), anyJson, (table, role, args) => {
        fuzzCases++;
        const parsed = PolicyTableSchema.safeParse(table);
        if (!parsed.success) {
          expect(parsed.error.issues.length).toBeGreaterThan(0);
          return;
        }
        const d = decide({ id: 'u', role }, { tool: 'execute_remote_command', args: args as Record<string, unknown> }, { target: { kind: 'device', id: 'D', owner: 'u' }, rules: parsed.data });
        expect(['allow', 'require_approval', 'deny']).toContain(d.effect);
      }),
      { numRuns: RUNS * 5 },
    );
    expect(PolicyTableSchema.safeParse(defaultRules).success).toBe(true);
  });

  test('LLM responses: malformed, truncated, wrong types or huge — an apology or a denial, nothing runs', async () => {
    const toolCall = fc.record({ id: fc.oneof(fc.string(), anyJson), type: fc.oneof(fc.constant('function'), anyJson), function: fc.oneof(fc.record({ name: fc.oneof(fc.constantFrom('execute_remote_command', 'reset_password'), anyJson), arguments: fc.oneof(fc.constant('{"device_id":"LAPTOP-CTO-01","command":"wipe"}'), fc.constant(`{"device_id":"${'L'.repeat(1_000_000)}","command":"wipe"}`), fc.string(), anyJson) }), anyJson) });
    const body = fc.oneof(
      toolCall.map((c) => completion({ tool_calls: [c] })),
      fc.array(toolCall, { maxLength: 30 }).map((calls) => completion({ tool_calls: calls })),
      fc.record({ choices: fc.oneof(anyJson, fc.array(anyJson)) }),
      anyJson,
      fc.constant({ choices: [{ message: { role: 'assistant', content: { not: 'a string' }, tool_calls: 'wipe everything' } }] }),
    );
    const replies: Reply[] = [];
    const server = await startFakeOpenAI(replies);
    const s = openSentinel({ llm: openaiProvider({ apiKey: 'k', baseURL: server.baseURL, model: 'm', timeoutMs: 5000, maxRetries: 0 }) });
    const intern = await s.identify('intern');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        fuzzCases++;
        replies.push({ body: b }, { body: completion({ content: 'summary' }) });
        const r = await s.runner.handleMessage(`llm-${n++}`, intern, 'help me');
        replies.length = 0;
        expect(['idle', 'awaiting_approval']).toContain(r.state);
        expect(r.reply.length).toBeGreaterThan(0);
        expect(r.executed.filter((e) => e.ok && e.tool === 'execute_remote_command')).toEqual([]);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
    // The intern may not wipe the CTO's laptop however the reply was shaped.
    expect(s.database.sqlite.prepare('select count(*) n from device_commands').get()).toEqual({ n: 0 });
    await s.close();
    await server.close();
  }, 120_000);
});
