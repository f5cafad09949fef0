import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, loadConfig } from '../config';
import { DEFAULT_POLICY_FILE, defaultPolicy, parsePolicy, policyHash } from '../policies/load';
import { tools } from '../tools/registry';
import { call, openSentinel, scriptedLlm } from './support/harness';

// SENTINEL_POLICY through configuration into the machine: the file decides, its hash is in every audited
// decision with what a replay needs, and a bad file is a configuration error naming file, rule and field.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-policy-file-'));
const shipped = YAML.parse(fs.readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as { rules: Array<Record<string, unknown>> };

/** The shipped policy with `change` applied to a copy of its rules. */
function policyFile(name: string, change: (rules: Array<Record<string, unknown>>) => void, extra: Record<string, unknown> = {}): string {
  const doc = structuredClone(shipped);
  change(doc.rules);
  const file = path.join(dir, name);
  fs.writeFileSync(file, YAML.stringify({ ...doc, ...extra }));
  return file;
}

describe('SENTINEL_POLICY', () => {
  test('unset: the shipped file; set: that file', () => {
    expect(loadConfig({}).policy.hash).toBe(defaultPolicy().hash);
    const file = policyFile('same.yaml', () => undefined);
    const config = loadConfig({ SENTINEL_POLICY: file });
    expect(config.policy).toMatchObject({ source: file, hash: policyHash(fs.readFileSync(file)) });
    expect(config.policy.rules).toEqual(defaultPolicy().rules);
  });

  test('a bad file is a configuration error naming the variable, the file, the rule and the field', () => {
    const file = policyFile('bad.yaml', (rules) => {
      rules[4]!.approvals = 'two';
    });
    let err: unknown;
    try {
      loadConfig({ SENTINEL_POLICY: file });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(`Invalid configuration:\n  SENTINEL_POLICY: ${file}: rule "employee-wipe-own-device" (#5): approvals: Expected number, received string`);
    const typo = policyFile('typo.yaml', (rules) => void (rules[1]!.tools = ['list_pending_approval']));
    expect(() => loadConfig({ SENTINEL_POLICY: typo })).toThrow(/SENTINEL_POLICY: .*typo\.yaml: rule "approval-queue-admins-only" \(#2\): tools: unknown tool "list_pending_approval"/);
    expect(() => loadConfig({ SENTINEL_POLICY: path.join(dir, 'nope.yaml') })).toThrow(/SENTINEL_POLICY: .*nope\.yaml: cannot read it \(no such file\)/);
  });

  test('the file decides in the machine, and every audited decision carries its hash, the target and the approval routing', async () => {
    // Stricter: locking one's own device needs two approvers from a named list; aws-prod admin at most 4 h.
    const file = policyFile(
      'strict.yaml',
      (rules) =>
        rules.splice(rules.findIndex((r) => r.id === 'employee-own-device'), 0, {
          id: 'employee-lock-needs-two',
          roles: ['employee'],
          tools: ['execute_remote_command'],
          scope: 'own',
          when: { command: ['lock'] },
          effect: 'require_approval',
          required: 'approver',
          approvers: { users: ['sam', 'cto'] },
          approvals: 2,
          channel: 'C0SECURITY',
          reason: 'Locks need two approvers.',
        }),
      { grant_caps: { default: 72, systems: { 'aws-prod': { admin: 4 } } } },
    );
    const llm = scriptedLlm([
      { text: null, calls: [call('execute_remote_command', { device_id: 'LAPTOP-INTERN-01', command: 'lock' })] },
      { text: null, calls: [call('provision_access', { user: 'intern', system: 'aws-prod', level: 'admin', duration_hours: 8, reason: 'deploy' })] },
    ]);
    const s = openSentinel({ llm: llm.provider, env: { SENTINEL_POLICY: file } });
    const intern = await s.identify('intern');
    const lock = await s.runner.handleMessage('t1', intern, 'lock my laptop');
    expect(lock.proposals).toEqual([expect.objectContaining({ decision: 'require_approval', reason: 'Locks need two approvers.' })]);
    const grant = await s.runner.handleMessage('t2', intern, 'admin on aws-prod for 8 hours');
    expect(grant.proposals).toEqual([expect.objectContaining({ decision: 'deny', reason: 'Admin access to aws-prod lasts at most 4 hours; ask again with a shorter duration.' })]);
    const decided = (s.database.sqlite.prepare("select data from audit where kind = 'proposal_decided' order by seq").all() as Array<{ data: string }>).map((r) => JSON.parse(r.data));
    const hash = policyHash(fs.readFileSync(file));
    expect(decided).toEqual([
      expect.objectContaining({
        tool: 'execute_remote_command',
        role: 'employee',
        args: { device_id: 'LAPTOP-INTERN-01', command: 'lock' },
        target: { kind: 'device', id: 'LAPTOP-INTERN-01', owner: 'intern', state: 'active' },
        decision: 'require_approval',
        rule: 'employee-lock-needs-two',
        required: 'approver',
        approvers: { users: ['sam', 'cto'] },
        approvals: 2,
        channel: 'C0SECURITY',
        policy_hash: hash,
      }),
      expect.objectContaining({ tool: 'provision_access', target: { kind: 'user', id: 'intern', owner: 'intern', state: 'active intern@example.com' }, decision: 'deny', rule: 'grant-duration-cap', policy_hash: hash }),
    ]);
    await s.close();
  });

  test('unset, the audited hash is the shipped file’s', async () => {
    const s = openSentinel();
    await s.runner.handleMessage('t', await s.identify('intern'), 'reset my password');
    const row = s.database.sqlite.prepare("select data from audit where kind = 'proposal_decided'").get() as { data: string };
    expect(JSON.parse(row.data)).toMatchObject({ policy_hash: defaultPolicy().hash, rule: 'employee-own-password', target: { kind: 'user', id: 'intern', owner: 'intern' } });
    await s.close();
  });
});

describe('the README', () => {
  test('its annotated example policy is a valid file', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Policy\n'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const loaded = parsePolicy(Buffer.from(example!), 'README.md', { tools: tools.map((t) => t.name) });
    expect(loaded.ok ? [] : loaded.problems).toEqual([]);
    if (!loaded.ok) return;
    expect(loaded.policy.rules[0]).toMatchObject({ approvers: { group: 'it-leads' }, approvals: 2, channel: 'C0ACCESS' });
    expect(loaded.policy.budgets.map((b) => b.id)).toEqual(['wipes-per-hour', 'wipe-freeze']);
    expect(loaded.policy.grant_caps.systems['aws-prod']).toEqual({ admin: 4, default: 24 });
  });
});
