import { decide } from './decide';
import { defaultRules, MAX_GRANT_HOURS, PolicyTableSchema } from './rules';
import type { Actor, Target } from './types';

const guest: Actor = { id: 'guest', role: 'guest' };
const employee: Actor = { id: 'intern', role: 'employee' };
const admin: Actor = { id: 'cto', role: 'admin' };

const own = (kind: 'user' | 'device' | 'ticket', who: string): Target => ({ kind, id: `${kind}-of-${who}`, owner: who });

const ARGS = {
  reset_password: { user: 'x' },
  provision_access: { user: 'x', system: 'github', level: 'read', duration_hours: 8, reason: 'r' },
  run_device_diagnostic: { device_id: 'D-1' },
  lock: { device_id: 'D-1', command: 'lock' },
  restart: { device_id: 'D-1', command: 'restart' },
  wipe: { device_id: 'D-1', command: 'wipe' },
  create_support_ticket: { summary: 's', description: 'd', priority: 'low' },
  check_ticket_status: { ticket_id: 'IT-1' },
  list_my_access: {},
  list_my_tickets: {},
  list_pending_approvals: {},
} as const;
const NO_TARGET = new Set(['create_support_ticket', 'list_my_access', 'list_my_tickets', 'list_pending_approvals']);

type Case = [string, Actor, keyof typeof ARGS, 'own' | 'other', string, string | null];

// role × tool × scope → expected effect (and `required` for approvals)
const table: Case[] = [
  ['guest checks own ticket', guest, 'check_ticket_status', 'own', 'allow', null],
  ['guest cannot check another ticket', guest, 'check_ticket_status', 'other', 'deny', null],
  ['denies password reset for guests', guest, 'reset_password', 'own', 'deny', null],
  ['denies diagnostics for guests', guest, 'run_device_diagnostic', 'own', 'deny', null],
  ['denies wipe for guests', guest, 'wipe', 'own', 'deny', null],
  ['denies tickets creation for guests', guest, 'create_support_ticket', 'own', 'deny', null],
  ['denies access for guests', guest, 'provision_access', 'own', 'deny', null],
  ['employee resets own password', employee, 'reset_password', 'own', 'allow', null],
  ['employee cannot reset another password', employee, 'reset_password', 'other', 'deny', null],
  ['employee diagnoses own device', employee, 'run_device_diagnostic', 'own', 'allow', null],
  ['employee cannot diagnose another device', employee, 'run_device_diagnostic', 'other', 'deny', null],
  ['employee locks own device', employee, 'lock', 'own', 'allow', null],
  ['employee restarts own device', employee, 'restart', 'own', 'allow', null],
  ['employee cannot lock another device', employee, 'lock', 'other', 'deny', null],
  ['employee wipe of own device needs an approver', employee, 'wipe', 'own', 'require_approval', 'approver'],
  ['employee cannot wipe another device', employee, 'wipe', 'other', 'deny', null],
  ['employee access for self needs an approver', employee, 'provision_access', 'own', 'require_approval', 'approver'],
  ['employee cannot request access for others', employee, 'provision_access', 'other', 'deny', null],
  ['employee opens tickets', employee, 'create_support_ticket', 'own', 'allow', null],
  ['employee checks own ticket', employee, 'check_ticket_status', 'own', 'allow', null],
  ['employee cannot check another ticket', employee, 'check_ticket_status', 'other', 'deny', null],
  ['admin resets any password', admin, 'reset_password', 'other', 'allow', null],
  ['admin grants access', admin, 'provision_access', 'other', 'allow', null],
  ['admin diagnoses any device', admin, 'run_device_diagnostic', 'other', 'allow', null],
  ['admin locks any device', admin, 'lock', 'other', 'allow', null],
  ['admin wipe needs the requester to confirm', admin, 'wipe', 'other', 'require_approval', 'requester'],
  ['admin wipe of own device also needs confirmation', admin, 'wipe', 'own', 'require_approval', 'requester'],
  ['admin checks any ticket', admin, 'check_ticket_status', 'other', 'allow', null],
  ['everyone sees their own access: guest', guest, 'list_my_access', 'own', 'allow', null],
  ['everyone sees their own access: employee', employee, 'list_my_access', 'own', 'allow', null],
  ['everyone sees their own tickets: guest', guest, 'list_my_tickets', 'own', 'allow', null],
  ['everyone sees their own tickets: admin', admin, 'list_my_tickets', 'own', 'allow', null],
  ['admins see what waits for their approval', admin, 'list_pending_approvals', 'own', 'allow', null],
  ['employees have no approval queue', employee, 'list_pending_approvals', 'own', 'deny', null],
  ['guests have no approval queue', guest, 'list_pending_approvals', 'own', 'deny', null],
];

describe('decide() over the default rule table', () => {
  test.each(table)('%s', (_name, actor, key, scope, effect, required) => {
    const tool = key === 'lock' || key === 'restart' || key === 'wipe' ? 'execute_remote_command' : key;
    const kind = tool === 'check_ticket_status' ? 'ticket' : tool.includes('device') || tool === 'execute_remote_command' ? 'device' : 'user';
    const target: Target = NO_TARGET.has(tool) ? { kind: 'none' } : own(kind, scope === 'own' ? actor.id : 'someone-else');
    const d = decide(actor, { tool, args: { ...ARGS[key] } }, { target });
    expect(d.effect).toBe(effect);
    expect(d.reason.length).toBeGreaterThan(10);
    expect(d.rule).toBeTruthy();
    if (required) expect(d).toMatchObject({ required });
  });

  test('caps access grants for every role', () => {
    for (const actor of [employee, admin]) {
      const d = decide(actor, { tool: 'provision_access', args: { ...ARGS.provision_access, duration_hours: MAX_GRANT_HOURS + 1 } }, { target: own('user', actor.id) });
      expect(d).toMatchObject({ effect: 'deny', rule: 'grant-duration-cap' });
    }
    const ok = decide(employee, { tool: 'provision_access', args: { ...ARGS.provision_access, duration_hours: MAX_GRANT_HOURS } }, { target: own('user', 'intern') });
    expect(ok.effect).toBe('require_approval');
  });

  test('restarting a locked device needs another admin, for its owner and for admins', () => {
    const locked = (owner: string): Target => ({ kind: 'device', id: 'D-1', owner, state: 'locked' });
    expect(decide(employee, { tool: 'execute_remote_command', args: { ...ARGS.restart } }, { target: locked('intern') })).toMatchObject({ effect: 'require_approval', required: 'approver' });
    expect(decide(admin, { tool: 'execute_remote_command', args: { ...ARGS.restart } }, { target: locked('alice') })).toMatchObject({ effect: 'require_approval', required: 'approver' });
    // Someone else's locked device is still not an employee's to touch.
    expect(decide(employee, { tool: 'execute_remote_command', args: { ...ARGS.restart } }, { target: locked('alice') }).effect).toBe('deny');
    // Locking it again is fine.
    expect(decide(employee, { tool: 'execute_remote_command', args: { ...ARGS.lock } }, { target: locked('intern') }).effect).toBe('allow');
  });

  test('denies targets that do not exist, even for admins', () => {
    const d = decide(admin, { tool: 'run_device_diagnostic', args: { device_id: 'NOPE-1' } }, { target: { kind: 'device', id: 'NOPE-1', owner: null } });
    expect(d).toMatchObject({ effect: 'deny', rule: 'unknown-target' });
  });

  test('denies unknown tools and unknown roles by default', () => {
    expect(decide(employee, { tool: 'rm_rf', args: {} }, { target: { kind: 'none' } })).toMatchObject({ effect: 'deny', rule: 'default-deny' });
    expect(decide({ id: 'x', role: 'superuser' as never }, { tool: 'reset_password', args: {} }, { target: { kind: 'none' } })).toMatchObject({
      effect: 'deny',
      rule: 'unknown-role',
    });
  });

  test('a condition on a missing or inherited argument never matches', () => {
    const d = decide(employee, { tool: 'execute_remote_command', args: Object.create({ command: 'lock' }) }, { target: own('device', 'intern') });
    // `command` is only on the prototype: the wipe rule's condition must not see it, so the generic own-device rule applies.
    expect(d.rule).toBe('employee-own-device');
  });

  test('the rule table validates: approval rules name who must answer', () => {
    expect(PolicyTableSchema.safeParse(defaultRules).success).toBe(true);
    const bad = [{ id: 'x', roles: ['admin'], tools: '*', effect: 'require_approval', reason: 'r' }];
    expect(PolicyTableSchema.safeParse(bad).success).toBe(false);
  });

  test('IT can change the table: a custom rule takes effect', () => {
    const rules = PolicyTableSchema.parse([{ id: 'freeze', roles: ['admin'], tools: '*', effect: 'deny', reason: 'Change freeze.' }]);
    expect(decide(admin, { tool: 'reset_password', args: { user: 'x' } }, { target: own('user', 'x'), rules })).toMatchObject({ effect: 'deny', rule: 'freeze' });
  });
});
