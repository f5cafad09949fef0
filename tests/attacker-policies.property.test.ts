import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import type { LlmProvider } from '../machines/llm/provider';
import type { RawCall } from '../machines/types';
import { decide } from '../policies/decide';
import { loadPolicyFile } from '../policies/load';
import type { Role, Target } from '../policies/types';
import { tools } from '../tools/registry';
import { openSentinel, testClock } from './support/harness';

// The attacker LLM again, now against randomly generated policy files: whatever the file says, nothing
// runs that the file does not allow, or that fewer than its quorum of valid approvers approved.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-prop-policy-'));
const TOOLS = tools.map((t) => t.name);
const PEOPLE = ['intern', 'alice', 'cto', 'sam', 'guest'];
/** The demo directory's groups (tools/backends/embedded/demo-directory.ts). */
const GROUPS: Record<string, string[]> = { security: ['cto'], it: ['cto', 'sam'], sales: ['alice'] };

const approvers = fc.oneof(
  fc.constant('admins' as const),
  fc.subarray(PEOPLE, { minLength: 1 }).map((users) => ({ users })),
  fc.constantFrom('security', 'it', 'sales', 'nobody').map((group) => ({ group })),
);
const rule = fc
  .record({
    roles: fc.subarray(['guest', 'employee', 'admin'] as const, { minLength: 1 }),
    tools: fc.oneof(fc.constant('*' as const), fc.subarray(TOOLS, { minLength: 1 })),
    scope: fc.constantFrom('own', 'other', 'any'),
    effect: fc.constantFrom('allow', 'require_approval', 'require_approval', 'deny'),
    required: fc.constantFrom('approver', 'approver', 'requester'),
    approvers,
    approvals: fc.integer({ min: 1, max: 3 }),
  });
const policyDoc = fc
  .record({
    rules: fc.array(rule, { minLength: 1, maxLength: 8 }),
    budgets: fc.array(
      fc.record({
        tools: fc.subarray(TOOLS, { minLength: 1 }),
        max: fc.integer({ min: 0, max: 3 }),
        then: fc.oneof(fc.constant({ effect: 'deny' as const }), fc.integer({ min: 2, max: 3 }).map((approvals) => ({ effect: 'require_approval' as const, approvals }))),
      }),
      { maxLength: 2 },
    ),
  })
  .map(({ rules, budgets }) => ({
    rules: rules.map((r, i) => {
      const base = { id: `r${i}`, roles: r.roles, tools: r.tools, scope: r.scope, effect: r.effect, reason: `rule ${i}` };
      if (r.effect !== 'require_approval') return base;
      if (r.required === 'requester') return { ...base, required: 'requester' };
      // A file naming fewer users than its quorum is refused by validation, so none is generated.
      const approvals = typeof r.approvers === 'object' && 'users' in r.approvers ? Math.min(r.approvals, r.approvers.users.length) : r.approvals;
      return { ...base, required: 'approver', approvers: r.approvers, approvals };
    }),
    budgets: budgets.map((b, i) => ({ id: `b${i}`, tools: b.tools, max: b.max, window_minutes: 60, then: b.then })),
  }));

const call: fc.Arbitrary<RawCall> = fc.oneof(
  fc.constantFrom(...PEOPLE, 'nobody').map((user) => ({ name: 'reset_password', arguments: JSON.stringify({ user }) })),
  fc
    .record({ user: fc.constantFrom(...PEOPLE), system: fc.constantFrom('github', 'aws-prod'), level: fc.constantFrom('read', 'write', 'admin'), duration_hours: fc.integer({ min: 1, max: 100 }), reason: fc.constant('x') })
    .map((a) => ({ name: 'provision_access', arguments: JSON.stringify(a) })),
  fc
    .record({ device_id: fc.constantFrom('LAPTOP-INTERN-01', 'LAPTOP-ALICE-01', 'LAPTOP-CTO-01', 'LAPTOP-SAM-01'), command: fc.constantFrom('lock', 'restart', 'wipe') })
    .map((a) => ({ name: 'execute_remote_command', arguments: JSON.stringify(a) })),
  fc.constantFrom('LAPTOP-INTERN-01', 'LAPTOP-CTO-01').map((device_id) => ({ name: 'run_device_diagnostic', arguments: JSON.stringify({ device_id }) })),
  fc.constant({ name: 'list_pending_approvals', arguments: '{}' }),
);
const turn = fc.record({
  as: fc.constantFrom(...PEOPLE),
  calls: fc.array(call, { minLength: 1, maxLength: 4 }),
  // Mostly approvals, often by admins, so quorums are actually reached (and sometimes cheated at).
  clicks: fc.array(fc.record({ as: fc.constantFrom(...PEOPLE, 'cto', 'sam', 'cto', 'sam'), approve: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }), pick: fc.nat() }), { maxLength: 8 }),
});

const RUNS = Number(process.env.SENTINEL_PROP_POLICY_RUNS ?? 100);

test(`attacker LLM under random policy files: nothing runs that the file does not allow or fewer than its quorum approved (${RUNS} files)`, async () => {
  const seed = Number(process.env.SENTINEL_PROP_SEED ?? Date.now() % 1_000_000);
  let files = 0;
  let executions = 0;
  let quorumRuns = 0;
  await fc.assert(
    fc.asyncProperty(policyDoc, fc.array(turn, { minLength: 2, maxLength: 6 }), async (doc, turns) => {
      const file = path.join(dir, `p${files++}.yaml`);
      fs.writeFileSync(file, YAML.stringify(doc));
      const loaded = loadPolicyFile(file);
      if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
      const queue: RawCall[][] = [];
      const attacker: LlmProvider = { name: 'attacker', propose: async () => ({ text: null, calls: queue.shift() ?? [] }), summarize: async () => 'ok' };
      const clock = testClock();
      const s = openSentinel({ llm: attacker, now: clock.now, env: { SENTINEL_POLICY: file, SENTINEL_TOOL_CALLS_PER_HOUR: '1000' } });
      const q = <T>(sql: string, ...params: unknown[]) => s.database.sqlite.prepare(sql).all(...params) as T[];
      try {
        for (const [i, t] of turns.entries()) {
          clock.advance(60_000);
          queue.push(t.calls);
          await s.runner.handleMessage(`t${i}`, await s.identify(t.as), 'do it');
          for (const c of t.clicks) {
            const pending = q<{ id: string }>("select id from approvals where status = 'pending' order by id");
            if (!pending.length) break;
            await s.runner.decideApproval(pending[c.pick % pending.length]!.id, await s.identify(c.as), c.approve ? 'approve' : 'deny');
          }
        }
        const roleOf = (id: string) => q<{ role: Role }>('select role from directory where id = ?', id)[0]?.role ?? 'guest';
        for (const e of q<{ key: string; tool: string; args: string; requester: string; approval_id: string | null }>('select * from executions')) {
          executions++;
          if (e.approval_id) {
            const [a] = q<{ status: string; requester: string; required: string; approvers: string | null; quorum: number; rule: string }>('select * from approvals where id = ?', e.approval_id);
            expect(a!.status).toBe('approved');
            if (a!.required === 'requester') continue;
            const voters = q<{ voter: string }>('select voter from approval_votes where approval_id = ?', e.approval_id).map((v) => v.voter);
            const decider = q<{ decided_by: string }>('select decided_by from approvals where id = ?', e.approval_id)[0]!.decided_by;
            const approvedBy = a!.quorum > 1 ? voters : [decider];
            if (a!.quorum > 1) quorumRuns++;
            expect(new Set(approvedBy).size).toBeGreaterThanOrEqual(a!.quorum);
            const rulesQuorum = a!.rule.startsWith('budget:') ? 1 : ((doc.rules.find((r) => r.id === a!.rule) as { approvals?: number } | undefined)?.approvals ?? 1);
            expect(a!.quorum).toBeGreaterThanOrEqual(rulesQuorum);
            const spec = a!.approvers ? (JSON.parse(a!.approvers) as { users?: string[]; group?: string }) : 'admins';
            for (const v of approvedBy) {
              expect(v).not.toBe(a!.requester);
              expect(roleOf(v)).not.toBe('guest');
              if (spec === 'admins') expect(roleOf(v)).toBe('admin');
              else if (spec.users) expect(spec.users).toContain(v);
              else if (spec.group) expect(GROUPS[spec.group] ?? []).toContain(v);
            }
          } else {
            // Allowed without approval: the file itself, asked again with the recorded role and target, allows it.
            const [turnKey, idx] = [e.key.slice(0, e.key.lastIndexOf('#')), e.key.slice(e.key.lastIndexOf('#') + 1)];
            const audited = q<{ data: string }>("select data from audit where kind = 'proposal_decided'").map((r) => JSON.parse(r.data) as { turn: string; idx: number; role: Role; tool: string; args: Record<string, unknown>; target: Target })
              .find((d) => d.turn === turnKey && String(d.idx) === idx)!;
            const again = decide({ id: e.requester, role: audited.role }, { tool: audited.tool, args: audited.args }, { target: audited.target, policy: loaded.policy });
            expect(again.effect).toBe('allow');
          }
        }
      } finally {
        await s.close();
      }
    }),
    { numRuns: RUNS, seed },
  );
  process.stdout.write(`attacker LLM under random policies: ${files} files, ${executions} executions, ${quorumRuns} with a quorum above 1, seed ${seed}\n`);
}, 600_000);
