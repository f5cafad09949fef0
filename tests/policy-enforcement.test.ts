import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import YAML from 'yaml';
import { DEFAULT_POLICY_FILE } from '../policies/load';
import { tempDbPath } from './support/harness';
import { runEntry } from './support/processes';

// Approvers, quorum and budgets from a policy file, enforced through the CLI (a child process, the
// offline planner, a real SQLite file): who may approve, how many must, and what a reached budget does.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-enforce-'));
const shipped = YAML.parse(fs.readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as { rules: Array<Record<string, unknown>> };

/** The shipped policy with the employees' access rule changed by `change`, plus top-level `extra`. */
function policy(name: string, change: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  const doc = structuredClone(shipped);
  const rule = doc.rules.find((r) => r.id === 'employee-own-access')!;
  Object.assign(rule, change);
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, YAML.stringify({ ...doc, ...extra }));
  return file;
}

type Result = { reply: string; proposals: Array<{ decision: string; reason: string }>; approvals: Array<{ id: string; status: string }>; executed: unknown[] };

function session(policyFile: string) {
  const db = tempDbPath();
  const env = { SENTINEL_DB: db, SENTINEL_POLICY: policyFile, SENTINEL_LLM: 'offline' };
  const ask = (as: string, text: string): Result => {
    const r = runEntry('apps/cli/main.ts', ['--as', as, '--thread', 't', '--json', text], env);
    if (r.code !== 0) throw new Error(`CLI exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Result;
  };
  const approve = (as: string, id: string, verb: '--approve' | '--deny' = '--approve'): Result => JSON.parse(runEntry('apps/cli/main.ts', ['--as', as, '--json', verb, id], env).stdout) as Result;
  const count = (sql: string): number => {
    const r = new Database(db, { readonly: true });
    try {
      return (r.prepare(sql).get() as { n: number }).n;
    } finally {
      r.close();
    }
  };
  return { ask, approve, count };
}

const GRANTS = 'select count(*) n from grants';

describe('quorum (approvals: 2)', () => {
  const file = policy('quorum', { approvals: 2 });

  test('one approval is recorded and the request still waits; the same approver twice and the requester are refused; a second approver runs it once', () => {
    const s = session(file);
    const asked = s.ask('alice', 'I need write access to github for 4 hours');
    expect(asked.reply).toMatch(/needs approval from 2 IT admins/);
    const id = asked.approvals[0]!.id;
    const first = s.approve('sam', id);
    expect(first.reply).toMatch(/recorded: 1 of 2/);
    expect(first.approvals[0]!.status).toBe('pending');
    expect(s.count(GRANTS)).toBe(0);
    expect(s.approve('sam', id).reply).toMatch(/already approved this request; it needs 1 more/);
    expect(s.approve('alice', id).reply).toMatch(/cannot approve your own request/);
    expect(s.approve('intern', id).reply).toMatch(/Only IT admins/);
    const second = s.approve('cto', id);
    expect(second.approvals[0]!.status).toBe('approved');
    expect(second.reply).toMatch(/now has write access to github/);
    expect(s.count(GRANTS)).toBe(1);
    expect(s.approve('cto', id).reply).toMatch(/already approved/);
    expect(s.count(GRANTS)).toBe(1);
    expect(s.count("select count(*) n from audit where kind = 'approval_vote'")).toBe(1);
  });

  test('one deny ends it, even after an approval', () => {
    const s = session(file);
    const id = s.ask('alice', 'I need read access to vpn for 8 hours').approvals[0]!.id;
    s.approve('sam', id);
    const denied = s.approve('cto', id, '--deny');
    expect(denied.approvals[0]!.status).toBe('denied');
    expect(s.approve('cto', id).reply).toMatch(/already denied/);
    expect(s.count(GRANTS)).toBe(0);
  });
});

describe('approvers', () => {
  test('a listed user approves; an admin not on the list is refused', () => {
    const s = session(policy('users', { approvers: { users: ['cto'] } }));
    const asked = s.ask('alice', 'I need read access to salesforce for 4 hours');
    expect(asked.reply).toMatch(/needs approval from one of the listed approvers \(cto\)/);
    const id = asked.approvals[0]!.id;
    expect(s.approve('sam', id).reply).toMatch(/Only the listed approvers \(cto\) can approve/);
    expect(s.approve('cto', id).approvals[0]!.status).toBe('approved');
    expect(s.count(GRANTS)).toBe(1);
  });

  test('a directory group approves: its members may, others may not', () => {
    const s = session(policy('group', { approvers: { group: 'security' } }));
    const id = s.ask('intern', 'I need read access to vpn for 4 hours').approvals[0]!.id;
    expect(s.approve('sam', id).reply).toMatch(/Only directory group "security" can approve/);
    expect(s.approve('cto', id).approvals[0]!.status).toBe('approved');
  });

  test('a request nobody but the requester could approve is refused when asked, not left waiting', () => {
    const s = session(policy('self-only', { approvers: { users: ['alice'] } }));
    const asked = s.ask('alice', 'I need read access to github for 4 hours');
    expect(asked.approvals).toEqual([]);
    expect(asked.proposals[0]).toMatchObject({ decision: 'deny' });
    expect(asked.reply).toMatch(/nobody other than the requester who can approve/);
  });

  test('an unknown group is refused when asked', () => {
    const s = session(policy('no-group', { approvers: { group: 'nobody-has-this' } }));
    expect(s.ask('alice', 'I need read access to github for 4 hours').reply).toMatch(/directory group "nobody-has-this" is unknown/);
  });
});

describe('budgets', () => {
  test('past the org-wide limit a further grant is refused, and the trip is audited', () => {
    const file = policy('budget', {}, { budgets: [{ id: 'grants-per-hour', tools: ['provision_access'], max: 1, window_minutes: 60, then: { effect: 'deny' } }] });
    const s = session(file);
    const first = s.ask('sam', 'give me read access to github for 4 hours');
    expect(first.proposals[0]).toMatchObject({ decision: 'allow' });
    const second = s.ask('cto', 'give me read access to vpn for 4 hours');
    expect(second.proposals[0]).toMatchObject({ decision: 'deny' });
    expect(second.reply).toMatch(/grants-per-hour/);
    expect(s.count(GRANTS)).toBe(1);
    expect(s.count("select count(*) n from audit where kind = 'budget_reached'")).toBe(1);
  });

  test('a require_approval budget raises an employee’s request from one approval to two', () => {
    const file = policy('budget-2', {}, { budgets: [{ id: 'grants', tools: ['provision_access'], max: 1, window_minutes: 60, then: { effect: 'require_approval', approvals: 2 } }] });
    const s = session(file);
    s.ask('sam', 'give me read access to github for 4 hours');
    const second = s.ask('intern', 'I need read access to vpn for 4 hours');
    expect(second.reply).toMatch(/2 IT admins/);
    const id = second.approvals[0]!.id;
    expect(s.approve('sam', id).approvals[0]!.status).toBe('pending');
    expect(s.approve('cto', id).approvals[0]!.status).toBe('approved');
    expect(s.count(GRANTS)).toBe(2);
  });
});
