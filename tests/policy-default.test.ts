import fs from 'node:fs';
import path from 'node:path';
import { decide } from '../policies/decide';
import { DEFAULT_POLICY_FILE, defaultPolicy, loadPolicyFile } from '../policies/load';
import { defaultRules } from '../policies/rules';
import type { Role, Target } from '../policies/types';
import { tools } from '../tools/registry';

// policies/default.expected.json holds what the TypeScript rule table decided for every role × tool (and
// argument variant) × target (none, own, other, unknown; every state), recorded before the table moved to
// policies/default.yaml. The YAML must reproduce every decision: effect, who must answer, rule and reason.

interface Expected {
  reasons: Record<string, string>;
  proposals: Array<{ tool: string; args: Record<string, unknown> }>;
  targets: Target[];
  cases: Array<[Role, number, number, string, string]>;
}
const expected = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'policies', 'default.expected.json'), 'utf8')) as Expected;

const loaded = loadPolicyFile(DEFAULT_POLICY_FILE, { tools: tools.map((t) => t.name) });
if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
const fromFile = loaded.policy;

// Changed since it was recorded, on purpose: a guest is refused about an unknown target exactly as about
// someone else's (the target three places before it in the fixture: same kind and state), when that is a
// refusal, so a guest's denials do not tell which names, devices or tickets exist.
const recorded = new Map(expected.cases.map(([role, pi, ti, effect, rule]) => [`${role}|${pi}|${ti}`, { effect, rule }]));
function since(role: Role, pi: number, ti: number, effect: string, rule: string): { effect: string; rule: string } {
  if (role !== 'guest' || rule !== 'unknown-target') return { effect, rule };
  const [unknown, other] = [expected.targets[ti]!, expected.targets[ti - 3]!];
  // The fixture's order is what this relies on: fail loudly if it ever changes.
  if (unknown.kind === 'none' || other.kind !== unknown.kind || other.owner !== 'other' || other.state !== unknown.state) throw new Error(`fixture target ${ti - 3} is not target ${ti} owned by someone else`);
  const asSomeoneElses = recorded.get(`${role}|${pi}|${ti - 3}`)!;
  return asSomeoneElses.effect === 'deny' ? asSomeoneElses : { effect, rule };
}

const rows = expected.cases.map(([role, pi, ti, recordedEffect, recordedRule]) => {
  const { effect, rule } = since(role, pi, ti, recordedEffect, recordedRule);
  const actor = { id: `me-${role}`, role };
  const t = expected.targets[ti]!;
  const target: Target = t.kind === 'none' ? t : { ...t, owner: t.owner === 'self' ? actor.id : t.owner };
  const proposal = expected.proposals[pi]!;
  return { name: `${role} ${proposal.tool} ${JSON.stringify(proposal.args)} on ${JSON.stringify(target)}`, actor, proposal, target, effect, rule };
});

describe('policies/default.yaml reproduces the TypeScript table', () => {
  test('the fixture covers every role, every tool there was (and an unknown one), own, other and unknown targets', () => {
    expect(new Set(rows.map((r) => r.actor.role))).toEqual(new Set(['guest', 'employee', 'admin']));
    // The nine tools registered when it was recorded; a tool added since has its rows in policies/decide.test.ts.
    const recorded = ['reset_password', 'provision_access', 'run_device_diagnostic', 'execute_remote_command', 'create_support_ticket', 'check_ticket_status', 'list_my_access', 'list_my_tickets', 'list_pending_approvals'];
    expect(new Set(expected.proposals.map((p) => p.tool))).toEqual(new Set([...recorded, 'rm_rf']));
    for (const name of recorded) expect(tools.some((t) => t.name === name)).toBe(true);
    expect(new Set(rows.map((r) => (r.target.kind === 'none' ? 'none' : r.target.owner === null ? 'unknown' : r.target.owner === r.actor.id ? 'own' : 'other')))).toEqual(new Set(['none', 'own', 'other', 'unknown']));
    expect(rows.length).toBeGreaterThan(2500);
  });

  test.each([
    ['the shipped policy (decide without a policy)', () => ({})],
    ['the file, loaded and validated as SENTINEL_POLICY would be', () => ({ policy: fromFile })],
    ['the rules alone, with the default grant caps', () => ({ rules: defaultRules })],
  ])('%s: every decision identical', (_name, ctx) => {
    const wrong: string[] = [];
    for (const r of rows) {
      const d = decide(r.actor, r.proposal, { target: r.target, ...ctx() });
      const effect = d.effect === 'require_approval' ? `require_approval:${d.required}` : d.effect;
      const reason = r.rule === 'unknown-target' ? `I can't find ${r.target.kind} "${(r.target as { id: string }).id}".` : expected.reasons[r.rule];
      if (effect !== r.effect || d.rule !== r.rule || d.reason !== reason) wrong.push(`${r.name}: expected ${r.effect} ${r.rule}, got ${effect} ${d.rule} (${d.reason})`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  test('approvals from the shipped policy go to any admin, one approval, no channel of their own', () => {
    const d = decide({ id: 'intern', role: 'employee' }, { tool: 'execute_remote_command', args: { device_id: 'D', command: 'wipe' } }, { target: { kind: 'device', id: 'D', owner: 'intern', state: 'active' } });
    expect(d).toEqual({ effect: 'require_approval', required: 'approver', approvers: 'admins', approvals: 1, rule: 'employee-wipe-own-device', reason: expect.any(String) });
    expect(fromFile.hash).toBe(defaultPolicy().hash);
  });
});
