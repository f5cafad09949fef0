import { applyBudgets, budgetCount, budgetReason, budgetsFor } from './budgets';
import { BudgetSchema, type Budget } from './schema';
import type { Decision } from './types';

const budget = (b: unknown): Budget => BudgetSchema.parse(b);
const wipes2 = budget({ id: 'wipes-per-hour', tools: ['execute_remote_command'], when: { command: ['wipe'] }, max: 3, window_minutes: 60, then: { effect: 'require_approval', approvals: 2 } });
const noWipes = budget({ id: 'wipe-stop', tools: ['execute_remote_command'], when: { command: ['wipe'] }, max: 10, window_minutes: 1440, then: { effect: 'deny' } });
const grants = budget({ id: 'grants', tools: ['provision_access'], max: 0, window_minutes: 60, then: { effect: 'require_approval' } });

const wipe = { tool: 'execute_remote_command', args: { device_id: 'D-1', command: 'wipe' } };
const lock = { tool: 'execute_remote_command', args: { device_id: 'D-1', command: 'lock' } };
const allow: Decision = { effect: 'allow', reason: 'ok', rule: 'admin-all' };
const confirm: Decision = { effect: 'require_approval', required: 'requester', reason: 'confirm', rule: 'admin-wipe-confirmation' };
const approver = (approvals: number, extra: Partial<Decision> = {}): Decision =>
  ({ effect: 'require_approval', required: 'approver', reason: 'approve', rule: 'employee-wipe-own-device', approvers: { users: ['a', 'b', 'c'] }, approvals, ...extra }) as Decision;
const deny: Decision = { effect: 'deny', reason: 'no', rule: 'employee-other-scope' };
const counts = (c: Record<string, number>) => (b: Budget) => c[b.id] ?? 0;

describe('budgets', () => {
  test('a proposal counts against the budgets whose tool and conditions it matches', () => {
    expect(budgetsFor([wipes2, noWipes, grants], wipe).map((b) => b.id)).toEqual(['wipes-per-hour', 'wipe-stop']);
    expect(budgetsFor([wipes2, noWipes, grants], lock)).toEqual([]);
    // An inherited argument is not an argument.
    expect(budgetsFor([wipes2], { tool: wipe.tool, args: Object.create({ command: 'wipe' }) })).toEqual([]);
    expect(budgetsFor([budget({ ...wipes2, id: 'all', tools: '*', when: undefined })], lock).map((b) => b.id)).toEqual(['all']);
  });

  test.each([
    ['under the budget: unchanged', 2, allow, 'same'],
    ['at the budget, allowed → two approvals', 3, allow, { effect: 'require_approval', required: 'approver', approvals: 2, approvers: 'admins', rule: 'budget:wipes-per-hour' }],
    ['over the budget too', 7, allow, { effect: 'require_approval', approvals: 2 }],
    ['an admin’s own confirmation → two approvals by others', 3, confirm, { effect: 'require_approval', required: 'approver', approvals: 2, approvers: 'admins' }],
    ['one approver → the quorum rises, the rule’s approvers stay', 3, approver(1), { effect: 'require_approval', required: 'approver', approvals: 2, approvers: { users: ['a', 'b', 'c'] }, rule: 'budget:wipes-per-hour' }],
    ['already three approvers: unchanged', 3, approver(3), 'same'],
    ['a denial stays a denial', 100, deny, 'same'],
  ] as const)('%s', (_name, n, decision, expected) => {
    const out = applyBudgets([wipes2], wipe, decision, counts({ 'wipes-per-hour': n }));
    if (expected === 'same') expect(out).toBe(decision);
    else expect(out).toMatchObject(expected);
  });

  test('a deny budget refuses; the strictest reached budget wins; the reason names the budget', () => {
    const both = [wipes2, noWipes];
    expect(applyBudgets(both, wipe, allow, counts({ 'wipes-per-hour': 3, 'wipe-stop': 9 }))).toMatchObject({ effect: 'require_approval', approvals: 2 });
    const refused = applyBudgets(both, wipe, allow, counts({ 'wipes-per-hour': 3, 'wipe-stop': 10 }));
    expect(refused).toEqual({ effect: 'deny', rule: 'budget:wipe-stop', reason: budgetReason(noWipes) });
    expect(refused.reason).toMatch(/"wipe-stop" \(10 per day\) has been reached/);
    expect(applyBudgets(both, wipe, allow, counts({ 'wipes-per-hour': 3 })).reason).toMatch(/"wipes-per-hour" \(3 per hour\).*2 approvals by IT admins/);
    expect(applyBudgets([budget({ ...noWipes, reason: 'Wipe freeze.' })], wipe, allow, counts({ 'wipe-stop': 10 })).reason).toBe('Wipe freeze.');
  });

  test('max 0: every matching action is escalated; budget approvers and channel route an allowed one', () => {
    const routed = budget({ ...grants, then: { effect: 'require_approval', approvals: 1, approvers: { group: 'security' }, channel: 'C0SEC' } });
    expect(applyBudgets([routed], { tool: 'provision_access', args: {} }, allow, () => 0)).toEqual({
      effect: 'require_approval',
      required: 'approver',
      approvals: 1,
      approvers: { group: 'security' },
      channel: 'C0SEC',
      rule: 'budget:grants',
      reason: expect.stringContaining('the designated approvers'),
    });
  });

  test('the schema: window and max are bounded, then is require_approval (quorum) or deny', () => {
    expect(BudgetSchema.safeParse({ ...wipes2, window_minutes: 0 }).success).toBe(false);
    expect(BudgetSchema.safeParse({ ...wipes2, max: -1 }).success).toBe(false);
    expect(BudgetSchema.safeParse({ ...wipes2, then: { effect: 'allow' } }).success).toBe(false);
    expect(BudgetSchema.safeParse({ ...wipes2, then: { effect: 'deny', approvals: 2 } }).success).toBe(false);
    expect(BudgetSchema.parse({ ...wipes2, then: { effect: 'require_approval' } }).then).toEqual({ effect: 'require_approval', approvals: 1 });
  });
});

describe('budgetCount (the one counting rule: guard, explain, replay)', () => {
  const HOUR = 3_600_000;
  const at = 10 * HOUR;
  const act = (minutesAgo: number, args: Record<string, unknown>, turn = 'other') => ({ at: at - minutesAgo * 60_000, tool: wipe.tool, args, turn });
  const past = [act(61, wipe.args), act(60, wipe.args), act(59, wipe.args), act(30, lock.args), act(10, wipe.args, 'this'), act(1, wipe.args), act(0, wipe.args), act(-1, wipe.args)];
  test('matching actions of other messages in (at - window, at], plus the ones earlier in this message', () => {
    // 59 and 1 and 0 minutes ago; not 60 (the window's open end), not the lock, not this message's own, not later ones.
    expect(budgetCount(wipes2, past, at, 'this')).toBe(3);
    expect(budgetCount(wipes2, past, at, 'this', [wipe, lock, wipe])).toBe(5);
    expect(budgetCount(noWipes, past, at, 'nothing')).toBe(6); // a day: every wipe up to now, whichever message
  });
});
