import { defaultPolicy } from './load';
import { covers, lintPolicy } from './lint';
import { PolicyTableSchema } from './schema';

const tools = [
  { name: 'execute_remote_command', args: ['device_id', 'command'] },
  { name: 'provision_access', args: ['user', 'system', 'level', 'duration_hours', 'reason'] },
  { name: 'reset_password', args: ['user'] },
];
const rules = (...r: unknown[]) => PolicyTableSchema.parse(r.map((x, i) => ({ id: `r${i + 1}`, roles: ['employee'], tools: '*', effect: 'deny', reason: 'x', ...(x as object) })));

describe('lintPolicy', () => {
  test('the shipped policy has nothing to warn about', () => {
    expect(lintPolicy(defaultPolicy(), tools)).toEqual([]);
  });

  test.each([
    ['a wider rule first', [{ tools: '*' }, { tools: ['reset_password'] }], true],
    ['roles: a subset is covered', [{ roles: ['employee', 'admin'] }, { roles: ['employee'] }], true],
    ['roles: a superset is not', [{ roles: ['employee'] }, { roles: ['employee', 'admin'] }], false],
    ['scope any covers own', [{}, { scope: 'own' }], true],
    ['scope own does not cover other', [{ scope: 'own' }, { scope: 'other' }], false],
    ['scope own does not cover any', [{ scope: 'own' }, {}], false],
    ['a condition narrows the earlier rule', [{ when: { command: ['wipe'] } }, {}], false],
    ['list within list', [{ when: { command: ['wipe', 'lock'] } }, { when: { command: ['wipe'] } }], true],
    ['list not within list', [{ when: { command: ['wipe'] } }, { when: { command: ['wipe', 'lock'] } }], false],
    ['gt 72 covers gt 100', [{ when: { duration_hours: { gt: 72 } } }, { when: { duration_hours: { gt: 100 } } }], true],
    ['gt 72 does not cover gt 10', [{ when: { duration_hours: { gt: 72 } } }, { when: { duration_hours: { gt: 10 } } }], false],
    ['lte 8 covers [1, 4]', [{ when: { duration_hours: { lte: 8 } } }, { when: { duration_hours: [1, 4] } }], true],
    ['targetState: none covers some', [{}, { targetState: ['locked'] }], true],
    ['targetState: some does not cover none', [{ targetState: ['locked'] }, {}], false],
  ])('%s', (_n, table, shadowed) => {
    const [a, b] = rules(...(table as unknown[]));
    expect(covers(a!, b!)).toBe(shadowed);
  });

  test('warnings name the rules, the argument and the tools', () => {
    const p = { rules: rules({ tools: ['execute_remote_command'] }, { tools: ['execute_remote_command'], when: { command: ['wipe'] } }, { tools: ['reset_password'], when: { command: ['wipe'] } }) };
    expect(lintPolicy(p, tools)).toEqual([
      'rule "r2" (#2) can never match: rule "r1" (#1) comes first and matches everything it does',
      'rule "r3" (#3) never matches reset_password: it has no argument "command"',
      'tool provision_access is named by no rule: it is denied to everyone',
    ]);
    expect(lintPolicy({ rules: rules({ tools: '*' }) }, tools)).toContain('tool reset_password is named by no rule: only "*" rules decide it (r1)');
  });
});
