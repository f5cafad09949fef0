import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { decide } from './decide';
import { DEFAULT_POLICY_FILE, defaultPolicy, loadPolicyFile, parsePolicy, policyHash } from './load';
import type { Actor, Target } from './types';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-policy-'));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const problems = (text: string, name = 'p.yaml', tools?: string[]) => {
  const r = loadPolicyFile(write(name, text), { tools });
  if (r.ok) throw new Error('expected problems');
  return r.problems;
};
const rule = (extra: Record<string, unknown> = {}) => ({ id: 'r', roles: ['employee'], tools: ['execute_remote_command'], effect: 'require_approval', required: 'approver', reason: 'why', ...extra });
const yaml = (doc: unknown) => YAML.stringify(doc);

describe('loading a policy file', () => {
  test('the shipped file loads; its hash is the sha256 of its bytes', () => {
    const p = defaultPolicy();
    expect(p.hash).toBe(policyHash(fs.readFileSync(DEFAULT_POLICY_FILE)));
    expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(p.grant_caps).toEqual({ default: 72, systems: {} });
    expect(p.budgets).toEqual([]);
    expect(p.rules.length).toBeGreaterThan(10);
  });

  test('JSON is accepted, and decides the same', () => {
    const asJson = JSON.stringify(YAML.parse(fs.readFileSync(DEFAULT_POLICY_FILE, 'utf8')));
    const r = loadPolicyFile(write('p.json', asJson));
    expect(r.ok && r.policy.rules).toEqual(defaultPolicy().rules);
    expect(r.ok && r.policy.hash).toBe(policyHash(asJson));
  });

  test('a problem names the file, the rule by id and index, and the field', () => {
    const file = path.join(dir, 'p.yaml');
    expect(problems(yaml({ rules: [rule({ id: 'ok' }), rule({ id: 'wipe-quorum', approvals: 0 })] }))).toEqual([`${file}: rule "wipe-quorum" (#2): approvals: Number must be greater than or equal to 1`]);
    expect(problems(yaml({ rules: [rule({ id: undefined, scope: 'mine' })] }))[0]).toMatch(/: rule #1: id: Required/);
    expect(problems(yaml({ rules: [rule({ approvers: { team: 'x' } })] }))).toEqual([`${file}: rule "r" (#1): approvers: must be "admins", { users: [ids] }, { group: "<directory group>" } or { slack_usergroup: "S…" }`]);
    expect(problems(yaml({ rules: [rule({ approvers: { slack_usergroup: 'U123' } })] }))[0]).toMatch(/rule "r" \(#1\): approvers.slack_usergroup: must be a Slack user group id/);
    expect(problems(yaml({ rules: [rule({ channel: '#it' })] }))[0]).toMatch(/rule "r" \(#1\): channel: must be a Slack channel id/);
    expect(problems(yaml({ rules: [rule({ effect: 'allow', required: undefined, approvals: 2 })] }))[0]).toMatch(/rule "r" \(#1\): approvals: only for effect: require_approval with required: approver/);
    expect(problems(yaml({ rules: [rule({ required: 'requester', approvers: 'admins' })] }))[0]).toMatch(/approvers: only for/);
    expect(problems(yaml({ rules: [rule({ effect: 'require_approval', required: undefined })] }))[0]).toMatch(/rule "r" \(#1\): required: `required` is set exactly when/);
    expect(problems(yaml({ rules: [rule({ approvers: { users: ['sam'] }, approvals: 2 })] }))[0]).toMatch(/approvals: needs 2 approvers but approvers.users lists only 1/);
    expect(problems(yaml({ rules: [rule(), rule()] }))[0]).toMatch(/rule "r" \(#2\): id: "r" is also the id of rule #1/);
    expect(problems(yaml({ rules: [rule()], extra: 1 }))[0]).toMatch(/the file: Unrecognized key\(s\) in object: 'extra'/);
    expect(problems(yaml({ rules: [rule()], grant_caps: { systems: { 'AWS-Prod': { admin: 4 } } } }))[0]).toMatch(/grant_caps.systems.AWS-Prod: system ids are lowercase/);
    expect(problems(yaml({ rules: [rule()], grant_caps: { systems: { 'aws-prod': { owner: 4 } } } }))[0]).toMatch(/grant_caps.systems.aws-prod: Unrecognized key/);
    expect(problems(yaml({ rules: [rule()], budgets: [{ id: 'b', tools: ['x'], max: 1, window_minutes: 0, then: { effect: 'deny' } }] }))[0]).toMatch(/budget "b" \(#1\): window_minutes:/);
  });

  test('tool names are checked against the tools Sentinel has, when given', () => {
    expect(problems(yaml({ rules: [rule({ tools: ['reset_pasword'] })] }), 'p.yaml', ['reset_password'])[0]).toMatch(/rule "r" \(#1\): tools: unknown tool "reset_pasword"/);
  });

  test('not YAML, not JSON, not an object, not there', () => {
    expect(problems('rules: [\n  - id: x\n   bad')[0]).toMatch(/p\.yaml: not valid YAML at line \d+, column \d+/);
    expect(problems('rules: []\nrules: []\n')[0]).toMatch(/not valid YAML.*[Mm]ap keys must be unique/);
    expect(problems('{"rules": [', 'p.json')[0]).toMatch(/p\.json: not valid JSON/);
    expect(problems('- just a list\n')[0]).toMatch(/must hold an object with a `rules` list/);
    expect(problems('')[0]).toMatch(/must hold an object/);
    expect(loadPolicyFile(path.join(dir, 'missing.yaml'))).toEqual({ ok: false, problems: [`${path.join(dir, 'missing.yaml')}: cannot read it (no such file)`] });
    expect(parsePolicy(Buffer.from([0x72, 0xff, 0xfe]), 'bin.yaml')).toEqual({ ok: false, problems: ['bin.yaml: not UTF-8 text'] });
  });

  test('a YAML alias bomb is refused', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), 'rules: *h'].join('\n');
    expect(problems(bomb)[0]).toMatch(/not valid YAML/);
  });
});

describe('grant caps (decide)', () => {
  const intern: Actor = { id: 'intern', role: 'employee' };
  const cto: Actor = { id: 'cto', role: 'admin' };
  const self = (a: Actor): Target => ({ kind: 'user', id: a.id, owner: a.id, state: 'active' });
  const grant = (system: string, level: string, duration_hours: number) => ({ tool: 'provision_access', args: { user: 'x', system, level, duration_hours, reason: 'r' } });
  const caps = parsePolicy(
    Buffer.from(yaml({ rules: defaultPolicy().rules.map(({ scope, ...r }) => ({ ...r, scope })), grant_caps: { default: 48, systems: { 'aws-prod': { admin: 4, default: 24 }, github: { read: 168 } } } })),
    'caps.yaml',
  );
  if (!caps.ok) throw new Error(caps.problems.join('\n'));
  const policy = caps.policy;

  test.each([
    ['aws-prod admin over 4 h', cto, grant('aws-prod', 'admin', 5), 'Admin access to aws-prod lasts at most 4 hours; ask again with a shorter duration.'],
    ['aws-prod write falls back to the system default', cto, grant('aws-prod', 'write', 25), 'Access to aws-prod lasts at most 24 hours; ask again with a shorter duration.'],
    ['a system’s case does not dodge its cap', intern, grant('AWS-Prod', 'admin', 5), 'Admin access to aws-prod lasts at most 4 hours; ask again with a shorter duration.'],
    ['another system: the global default', cto, grant('vpn', 'read', 49), 'Access grants last at most 48 hours; ask again with a shorter duration.'],
  ])('%s is denied, naming the cap', (_n, actor, proposal, reason) => {
    expect(decide(actor, proposal, { target: self(actor), policy })).toEqual({ effect: 'deny', rule: 'grant-duration-cap', reason });
  });

  test('within the cap, the rules decide; a per-system cap may exceed the global one', () => {
    expect(decide(cto, grant('aws-prod', 'admin', 4), { target: self(cto), policy }).effect).toBe('allow');
    expect(decide(cto, grant('github', 'read', 168), { target: self(cto), policy }).effect).toBe('allow');
    expect(decide(intern, grant('github', 'read', 100), { target: self(intern), policy })).toMatchObject({ effect: 'require_approval', rule: 'employee-own-access' });
  });

  test('the cap is checked before the rules, for every role, as the old first rule was', () => {
    expect(decide({ id: 'g', role: 'guest' }, grant('github', 'read', 73), { target: self({ id: 'g', role: 'guest' }) })).toMatchObject({ rule: 'grant-duration-cap' });
    // A bare rule table gets the default caps.
    expect(decide(cto, grant('github', 'read', 73), { target: self(cto), rules: [] })).toMatchObject({ rule: 'grant-duration-cap' });
  });
});
