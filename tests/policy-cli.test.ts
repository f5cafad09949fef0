import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { parseArgs, UsageError } from '../apps/policy/args';
import { DEFAULT_POLICY_FILE, policyHash } from '../policies/load';
import { call, openSentinel, scriptedLlm, tempDbPath, testClock } from './support/harness';
import { runEntry } from './support/processes';

// `npm run policy -- check | explain | replay`, each through a child process.

const policy = (args: string[], env: Record<string, string> = {}) => runEntry('apps/policy/main.ts', args, env);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-policy-cli-'));
const shipped = () => YAML.parse(fs.readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as { rules: Array<Record<string, unknown>>; [k: string]: unknown };
const write = (name: string, doc: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof doc === 'string' ? doc : YAML.stringify(doc));
  return file;
};
const MIN = 60_000;

describe('policy check', () => {
  test('the shipped file (no argument, SENTINEL_POLICY unset): valid, no warnings, exit 0', () => {
    const r = policy(['check']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${DEFAULT_POLICY_FILE}: valid (sha256 ${policyHash(fs.readFileSync(DEFAULT_POLICY_FILE)).slice(0, 12)}…): 14 rules, grant cap 72 h, 0 budgets`);
  });

  test('warnings: a shadowed rule, a condition on an argument the tool lacks, a tool no rule names; still exit 0', () => {
    const doc = shipped();
    doc.rules = doc.rules.filter((r) => r.id !== 'employee-own-password' && r.id !== 'approval-queue-admins-only').map((r) => (r.id === 'admin-all' ? { ...r, tools: ['reset_password', 'provision_access', 'run_device_diagnostic', 'execute_remote_command', 'create_support_ticket', 'check_ticket_status', 'list_my_access', 'list_my_tickets'] } : r));
    doc.rules.splice(1, 0, { id: 'employee-devices', roles: ['employee'], tools: ['execute_remote_command'], scope: 'own', effect: 'allow', reason: 'Yours.' });
    doc.rules.push({ id: 'reset-wipes', roles: ['admin'], tools: ['reset_password'], when: { command: ['wipe'] }, effect: 'deny', reason: 'x' });
    const file = write('warn.yaml', doc);
    const r = policy(['check', file]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      `warning: ${file}: rule "employee-wipe-own-device" (#5) can never match: rule "employee-devices" (#2) comes first and matches everything it does`,
      `warning: ${file}: rule "employee-restart-locked-device" (#6) can never match: rule "employee-devices" (#2) comes first and matches everything it does`,
      `warning: ${file}: rule "reset-wipes" (#14) can never match: rule "admin-all" (#13) comes first and matches everything it does`,
      `warning: ${file}: rule "reset-wipes" (#14) never matches reset_password: it has no argument "command"`,
      `warning: ${file}: tool list_pending_approvals is named by no rule: only "*" rules decide it (guest-read-only, employee-other-scope)`,
      expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: valid \\(sha256 [0-9a-f]{12}…\\): 14 rules, grant cap 72 h, 0 budgets; 5 warnings$`)),
    ]);
  });

  test('errors name the file, the rule and the field; exit 1; SENTINEL_POLICY is the default file to check', () => {
    const doc = shipped();
    doc.rules[4] = { ...doc.rules[4], approvals: 11, channel: 'general' };
    doc.rules[2] = { ...doc.rules[2], tools: ['check_ticket'] };
    const file = write('bad.yaml', doc);
    const r = policy(['check'], { SENTINEL_POLICY: file });
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n')).toEqual([
      `error: ${file}: rule "employee-wipe-own-device" (#5): approvals: Number must be less than or equal to 10`,
      `error: ${file}: rule "employee-wipe-own-device" (#5): channel: must be a Slack channel id (C… or G…)`,
      `${file}: invalid (2 errors)`,
    ]);
    doc.rules[4] = shipped().rules[4]!;
    const typo = policy(['check', write('typo.yaml', doc)]);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toMatch(/error: .*typo\.yaml: rule "guest-own-tickets" \(#3\): tools: unknown tool "check_ticket"/);
    expect(policy(['check', write('broken.json', '{"rules": [')]).stdout).toMatch(/broken\.json: not valid JSON/);
  });

  test('a bad SENTINEL_POLICY stops the CLI at start: exit 2 naming the file, the rule and the field', () => {
    const doc = shipped();
    doc.rules[6] = { ...doc.rules[6], approvers: { users: [] } };
    const file = write('start.yaml', doc);
    const r = runEntry('apps/cli/main.ts', ['--as', 'intern', 'reset my password'], { SENTINEL_DB: tempDbPath(), SENTINEL_POLICY: file });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`SENTINEL_POLICY: ${file}: rule "employee-own-device" (#7): approvers.users: Array must contain at least 1 element(s)`);
    expect(r.stdout).toBe('');
  });

  test('usage errors: exit 2 with the usage', () => {
    for (const args of [['frobnicate'], ['explain', '--as', 'intern', 'reset_password', '{nope']]) {
      const r = policy(args);
      expect([args, r.code]).toEqual([args, 2]);
      expect(r.stderr).toMatch(/^policy: .+\n\nUsage:/);
    }
    // The rest of the parser in-process (it is what main calls before anything else).
    for (const args of [['check', 'a', 'b'], ['explain', 'reset_password'], ['explain', '--as', 'intern'], ['explain', '--as'], ['replay'], ['replay', 'x.yaml', '--since', 'yesterday-ish'], ['check', '--json'], ['replay', 'x', '--as', 'y']]) {
      expect(() => parseArgs(args)).toThrow(UsageError);
    }
    expect(parseArgs(['explain', '--as=intern', 'list_my_access', '--json'])).toEqual({ kind: 'explain', as: 'intern', tool: 'list_my_access', args: {}, json: true, policy: undefined });
    expect(parseArgs(['replay', 'f.yaml', '--since', '2026-11-23'])).toEqual({ kind: 'replay', file: 'f.yaml', since: Date.UTC(2026, 10, 23), json: false });
    expect(policy(['--help'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage:/) });
  });
});

describe('policy explain', () => {
  const env = { SENTINEL_DB: tempDbPath() };

  test('an employee wiping their own laptop: the rule, the reason, who approves, where the card goes', () => {
    const r = policy(['explain', '--as', 'intern', 'execute_remote_command', '{"device_id":"LAPTOP-INTERN-01","command":"wipe"}'], { ...env, SENTINEL_APPROVALS_CHANNEL: 'C0APPROVALS' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('request: intern (employee) → execute_remote_command {"device_id":"LAPTOP-INTERN-01","command":"wipe"}  (wipe LAPTOP-INTERN-01)');
    expect(r.stdout).toContain('target: device LAPTOP-INTERN-01, owner intern (own), state active');
    expect(r.stdout).toContain('rule: employee-wipe-own-device (#5)');
    expect(r.stdout).toContain('decision: require_approval — 1 approval by IT admins, never the requester');
    expect(r.stdout).toContain('approvers: cto, sam\ncard: channel C0APPROVALS');
  });

  test('--json; the target is resolved as the machine does it (the same device is own for alice, other for the intern)', () => {
    const args = ['execute_remote_command', '{"device_id":"laptop-alice-01","command":"lock"}', '--json'];
    const alice = JSON.parse(policy(['explain', '--as', 'alice', ...args], env).stdout);
    expect(alice).toMatchObject({ actor: { id: 'alice', role: 'employee' }, target: { kind: 'device', id: 'LAPTOP-ALICE-01', owner: 'alice' }, decision: { effect: 'allow', rule: 'employee-own-device' }, rule_index: 7, route: null });
    const intern = JSON.parse(policy(['explain', '--as', 'intern@example.com', ...args], env).stdout);
    expect(intern).toMatchObject({ actor: { id: 'intern' }, decision: { effect: 'deny', rule: 'employee-other-scope' } });
  });

  test('with --policy: a rule’s own approvers, quorum and channel; a budget that is reached', () => {
    const doc = shipped();
    const i = doc.rules.findIndex((r) => r.id === 'employee-own-access');
    doc.rules[i] = { ...doc.rules[i], approvers: { users: ['sam', 'alice', 'intern'] }, approvals: 2, channel: 'C0ACCESS' };
    doc.grant_caps = { default: 72, systems: { 'aws-prod': { admin: 4 } } };
    doc.budgets = [{ id: 'no-guest-lists', tools: ['list_my_tickets'], max: 0, window_minutes: 60, then: { effect: 'deny' } }];
    const file = write('explain.yaml', doc);
    const grant = (hours: number) => `{"user":"intern","system":"aws-prod","level":"admin","duration_hours":${hours},"reason":"deploy"}`;
    const ok = JSON.parse(policy(['explain', '--as', 'intern', 'provision_access', grant(4), '--policy', file, '--json'], env).stdout);
    expect(ok).toMatchObject({
      policy: { file, hash: policyHash(fs.readFileSync(file)) },
      decision: { effect: 'require_approval', required: 'approver', approvals: 2, approvers: { users: ['sam', 'alice', 'intern'] }, channel: 'C0ACCESS', rule: 'employee-own-access' },
      route: { approvers: ['alice', 'sam'], approvals: 2, delivery: { kind: 'channel', channel: 'C0ACCESS' } },
    });
    const capped = policy(['explain', '--as', 'intern', 'provision_access', grant(5), '--policy', file], env);
    expect(capped.stdout).toContain('rule: grant-duration-cap (grant_caps, checked before the rules)');
    expect(capped.stdout).toContain('reason: Admin access to aws-prod lasts at most 4 hours; ask again with a shorter duration.');
    const budget = policy(['explain', '--as', 'guest', 'list_my_tickets', '--policy', file], env);
    expect(budget.stdout).toContain('rule: budget:no-guest-lists (a budget was reached)');
    expect(budget.stdout).toContain('before budgets: allow (rule own-lists)');
    expect(budget.stdout).toContain('budget no-guest-lists: 0 of 0 in the last 60 minutes — reached');
  });

  test('an unknown user, tool or invalid arguments: exit 2', () => {
    expect(policy(['explain', '--as', 'bob', 'list_my_access'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/no user "bob" in the directory\. Known users: alice, cto, guest, intern, sam/) });
    expect(policy(['explain', '--as', 'intern', 'rm_rf'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/no tool called "rm_rf"/) });
    expect(policy(['explain', '--as', 'intern', 'execute_remote_command', '{"device_id":"X","command":"melt"}'], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/invalid arguments for execute_remote_command.*command/) });
  });
});

describe('policy replay', () => {
  // A recorded history: real turns through the machine (scripted proposals, the shipped policy), then a
  // stricter file replayed over it through the command.
  const dbPath = tempDbPath();
  const clock = testClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  let hashBefore = '';

  beforeAll(async () => {
    const llm = scriptedLlm();
    const s = openSentinel({ db: dbPath, llm: llm.provider, now: clock.now });
    const as = (id: string) => s.identify(id);
    const turn = async (who: string, tool: string, args: Record<string, unknown>, thread: string) => {
      llm.plans.push({ text: null, calls: [call(tool, args)] });
      clock.advance(MIN);
      return s.runner.handleMessage(thread, await as(who), `${tool} please`);
    };
    // 09:01 … : the shipped policy decides.
    await turn('intern', 'execute_remote_command', { device_id: 'LAPTOP-INTERN-01', command: 'lock' }, 't1'); // allow
    await turn('alice', 'execute_remote_command', { device_id: 'LAPTOP-ALICE-01', command: 'lock' }, 't2'); // allow
    await turn('intern', 'reset_password', { user: 'intern' }, 't3'); // allow
    await turn('intern', 'execute_remote_command', { device_id: 'LAPTOP-ALICE-01', command: 'lock' }, 't4'); // deny (other)
    await turn('sam', 'provision_access', { user: 'alice', system: 'aws-prod', level: 'admin', duration_hours: 8, reason: 'deploy' }, 't5'); // allow
    await turn('intern', 'provision_access', { user: 'intern', system: 'github', level: 'read', duration_hours: 24, reason: 'code' }, 't6'); // require_approval
    const wipe = await turn('alice', 'execute_remote_command', { device_id: 'LAPTOP-ALICE-01', command: 'wipe' }, 't7'); // require_approval
    await s.runner.decideApproval(wipe.approvals[0]!.id, await as('sam'), 'approve');
    await turn('cto', 'execute_remote_command', { device_id: 'LAPTOP-SAM-01', command: 'lock' }, 't8'); // allow (admin)
    await turn('guest', 'check_ticket_status', { ticket_id: 'IT-1041' }, 't9'); // deny (not theirs)
    await turn('intern', 'nuke_everything', {}, 't10'); // unknown tool: never reached policy
    await s.close();
    hashBefore = policyHash(fs.readFileSync(DEFAULT_POLICY_FILE));
  });

  const stricter = () => {
    const doc = shipped();
    // 1. Employees' own locks need two approvals (a rule before employee-own-device).
    doc.rules.splice(doc.rules.findIndex((r) => r.id === 'employee-own-device'), 0, {
      id: 'employee-lock-two-approvals',
      roles: ['employee'],
      tools: ['execute_remote_command'],
      scope: 'own',
      when: { command: ['lock'] },
      effect: 'require_approval',
      required: 'approver',
      approvals: 2,
      reason: 'Locks need two admins.',
    });
    // 2. Employees' access requests are approved by the security team only.
    const access = doc.rules.findIndex((r) => r.id === 'employee-own-access');
    doc.rules[access] = { ...doc.rules[access], approvers: { group: 'security' } };
    // 3. Admin access to aws-prod for at most 4 hours.
    doc.grant_caps = { default: 72, systems: { 'aws-prod': { admin: 4 } } };
    // 4. Org-wide, once two locks ran in an hour, the next one needs an approver.
    doc.budgets = [{ id: 'locks', tools: ['execute_remote_command'], when: { command: ['lock'] }, max: 2, window_minutes: 60, then: { effect: 'require_approval' } }];
    return write('stricter.yaml', doc);
  };

  test('lists exactly the decisions that would change, with counts per kind; exit 0', () => {
    const file = stricter();
    const r = policy(['replay', file, '--json'], { SENTINEL_DB: dbPath });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const t = (minute: number) => new Date(Date.UTC(2026, 10, 23, 9, minute)).toISOString();
    expect(report.changes.map((c: Record<string, unknown>) => [c.at, c.actor, c.what, c.change, (c.old as { rule: string }).rule, (c.new as { rule: string }).rule])).toEqual([
      [t(1), 'intern', 'lock LAPTOP-INTERN-01', 'allow → require_approval ×2', 'employee-own-device', 'employee-lock-two-approvals'],
      [t(2), 'alice', 'lock LAPTOP-ALICE-01', 'allow → require_approval ×2', 'employee-own-device', 'employee-lock-two-approvals'],
      [t(5), 'sam', 'grant alice admin access to aws-prod for 8 h', 'allow → deny', 'admin-all', 'grant-duration-cap'],
      [t(6), 'intern', 'grant intern read access to github for 24 h', 'require_approval → require_approval by group security', 'employee-own-access', 'employee-own-access'],
      // Two locks ran in the hour before (09:01, 09:02), so the budget is reached for the CTO's lock.
      [t(8), 'cto', 'lock LAPTOP-SAM-01', 'allow → require_approval', 'admin-all', 'budget:locks'],
    ]);
    expect(report.changes[0]).toMatchObject({ role: 'employee', decided_by: hashBefore, target: { kind: 'device', id: 'LAPTOP-INTERN-01', owner: 'intern', state: 'active' }, new: { reason: 'Locks need two admins.', approvals: 2 } });
    expect(report.counts).toEqual({
      'allow → require_approval ×2': 2,
      'allow → deny': 1,
      'allow → require_approval': 1,
      'require_approval → require_approval by group security': 1,
    });
    expect(report).toMatchObject({ proposals: 10, replayed: 9, unchanged: 4, not_replayed: { 'refused before policy (unknown-tool)': 1 }, hash: policyHash(fs.readFileSync(file)) });
  });

  test('the text lists who, what, when, old → new and the rule; --since limits it', () => {
    const file = stricter();
    const text = policy(['replay', file], { SENTINEL_DB: dbPath });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('2026-11-23 09:05Z  sam (admin)  grant alice admin access to aws-prod for 8 h\n    allow → deny    rule admin-all → grant-duration-cap');
    expect(text.stdout).toContain('5 decisions would change:\n  2  allow → require_approval ×2\n  1  allow → deny\n');
    const since = JSON.parse(policy(['replay', file, '--since', '2026-11-23T09:05:00Z', '--json'], { SENTINEL_DB: dbPath }).stdout);
    expect(since.changes.map((c: { actor: string }) => c.actor)).toEqual(['sam', 'intern', 'cto']);
    expect(since.proposals).toBe(6);
  });

  test('the shipped policy replayed over its own history changes nothing', () => {
    const r = JSON.parse(policy(['replay', DEFAULT_POLICY_FILE, '--json'], { SENTINEL_DB: dbPath }).stdout);
    expect(r).toMatchObject({ changes: [], unchanged: 9, counts: {} });
  });

  test('no database, or a bad file: exit 2', () => {
    expect(policy(['replay', stricter()], { SENTINEL_DB: path.join(dir, 'none.db') })).toMatchObject({ code: 2, stderr: expect.stringMatching(/no database at .*none\.db/) });
    expect(policy(['replay', write('r.yaml', 'rules: 3\n')], { SENTINEL_DB: dbPath })).toMatchObject({ code: 2, stderr: expect.stringMatching(/r\.yaml: rules: Expected array/) });
  });
});
