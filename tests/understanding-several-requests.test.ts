import { tempDbPath } from './support/harness';
import { runEntry } from './support/processes';

// The newcomer trial's dropped requests, through the CLI (a child process, the offline planner, a real
// SQLite file): every request of a message is proposed, each with its own target, or named in the reply as
// not done; a correction after an action ran says the action stands and offers the corrected request; a
// follow-up naming someone ("and the intern's") is the same request for them, decided by policy as usual.

interface CliResult {
  reply: string;
  proposals: Array<{ tool: string; args: Record<string, unknown>; decision: string }>;
  executed: Array<{ tool: string; args: Record<string, unknown>; ok: boolean }>;
  approvals: Array<{ id: string; status: string }>;
}
const cli = (db: string, as: string, thread: string, text: string): CliResult => {
  const r = runEntry('apps/cli/main.ts', ['--as', as, '--thread', thread, '--json', text], { SENTINEL_DB: db, SENTINEL_LLM: 'offline' });
  if (r.code !== 0) throw new Error(`CLI exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as CliResult;
};
const proposed = (r: CliResult) => r.proposals.map((p) => ({ tool: p.tool, ...p.args, decision: p.decision }));

describe('no request of a message is dropped silently (CLI)', () => {
  test("a list of requests: each is proposed for its own target, the intern's lock is never the requester's", () => {
    const db = tempDbPath();
    const r = cli(db, 'alice', 't1', "reset my password, check my laptop, lock the intern's laptop");
    expect(proposed(r)).toEqual([
      expect.objectContaining({ tool: 'reset_password', user: 'alice', decision: 'allow' }),
      expect.objectContaining({ tool: 'run_device_diagnostic', device_id: 'LAPTOP-ALICE-01', decision: 'allow' }),
      expect.objectContaining({ tool: 'execute_remote_command', command: 'lock', device_id: 'LAPTOP-INTERN-01', decision: 'deny' }),
    ]);
    expect(r.executed.some((e) => e.args.device_id === 'LAPTOP-ALICE-01' && e.args.command === 'lock')).toBe(false);
    expect(r.reply).toMatch(/can't lock LAPTOP-INTERN-01/);
  });

  test("\"restart LAPTOP-ALICE-01 and lock the intern's\": the lock is proposed for the intern's device, and both outcomes are in the reply", () => {
    const db = tempDbPath();
    const r = cli(db, 'alice', 't1', "restart LAPTOP-ALICE-01 and lock the intern's");
    expect(r.proposals.map((p) => [p.tool, p.args.command, p.args.device_id])).toEqual([
      ['execute_remote_command', 'restart', 'LAPTOP-ALICE-01'],
      ['execute_remote_command', 'lock', 'LAPTOP-INTERN-01'],
    ]);
    expect(r.executed.filter((e) => e.args.command === 'lock')).toEqual([]);
    expect(r.reply).toMatch(/restart LAPTOP-ALICE-01/);
    expect(r.reply).toMatch(/lock LAPTOP-INTERN-01/);
  });

  test('"check my laptop, then sam\'s" and "restart my laptop and the intern\'s laptop": one proposal per owner', () => {
    const db = tempDbPath();
    expect(cli(db, 'cto', 't1', "check my laptop, then sam's").proposals.map((p) => p.args.device_id)).toEqual(['LAPTOP-CTO-01', 'LAPTOP-SAM-01']);
    const both = cli(db, 'cto', 't2', "restart my laptop and the intern's laptop");
    expect(both.proposals.map((p) => [p.args.command, p.args.device_id])).toEqual([
      ['restart', 'LAPTOP-CTO-01'],
      ['restart', 'LAPTOP-INTERN-01'],
    ]);
  });

  test('a ticket asked for beside another request is about its own words; an unlock beside a reset is answered, the reset still done', () => {
    const db = tempDbPath();
    const t = cli(db, 'alice', 't1', 'reset my password and open a ticket about outlook');
    expect(t.proposals.map((p) => p.tool)).toEqual(['reset_password', 'create_support_ticket']);
    expect(t.proposals[1]!.args.summary).toBe('open a ticket about outlook');
    const u = cli(db, 'intern', 't2', 'reset my password and unlock my laptop');
    expect(u.proposals.map((p) => [p.tool, p.args.user])).toEqual([['reset_password', 'intern']]);
    expect(u.reply).toMatch(/can't unlock a device/);
  });

  test('"reset my password and tell alice to restart her laptop": the reset is done, alice\'s laptop is only offered', () => {
    const db = tempDbPath();
    const r = cli(db, 'sam', 't1', 'reset my password and tell alice to restart her laptop');
    expect(r.proposals.map((p) => [p.tool, p.args.user])).toEqual([['reset_password', 'sam']]);
    expect(r.reply).toMatch(/tell alice yourself/);
    expect(r.reply).toMatch(/Do you want me to restart LAPTOP-ALICE-01\?/);
  });

  test('a part no rule understands is named as not done', () => {
    const db = tempDbPath();
    const r = cli(db, 'alice', 't1', 'reset my password and lock');
    expect(r.proposals.map((p) => p.tool)).toEqual(['reset_password']);
    expect(r.reply).toMatch(/I haven't done "lock"/);
  });
});

describe('changing one’s mind after an action ran (CLI)', () => {
  test('"no wait, make that the intern" after alice\'s github grant: the grant stands, said plainly; the intern\'s is offered, and its yes goes through policy', () => {
    const db = tempDbPath();
    const asked = cli(db, 'alice', 't1', 'I need read access to github for 8 hours');
    const [approval] = asked.approvals;
    const approved = runEntry('apps/cli/main.ts', ['--as', 'sam', '--json', '--approve', approval!.id], { SENTINEL_DB: db, SENTINEL_LLM: 'offline' });
    expect(JSON.parse(approved.stdout).executed[0].ok).toBe(true);
    const changed = cli(db, 'alice', 't1', 'no wait, make that the intern');
    expect(changed.proposals).toEqual([]);
    expect(changed.executed).toEqual([]);
    expect(changed.reply).toMatch(/already went ahead/);
    expect(changed.reply).toMatch(/haven't undone it/);
    expect(changed.reply).toMatch(/can't take access away/);
    expect(changed.reply).toMatch(/Do you want me to grant intern read access to github for 8 h\? \(yes \/ no\)/);
    const yes = cli(db, 'alice', 't1', 'yes');
    expect(yes.proposals).toEqual([expect.objectContaining({ tool: 'provision_access', args: expect.objectContaining({ user: 'intern', system: 'github' }), decision: 'deny' })]);
    expect(yes.executed).toEqual([]);
  });

  test('while the earlier request still waits for approval, the correction says so (and how to withdraw it)', () => {
    const db = tempDbPath();
    cli(db, 'alice', 't1', 'I need read access to github for 8 hours');
    const changed = cli(db, 'alice', 't1', 'no wait, make that the intern');
    expect(changed.proposals).toEqual([]);
    expect(changed.reply).toMatch(/still waiting for approval/);
    expect(changed.reply).toMatch(/cancel that/);
  });

  test('an admin\'s correction runs nothing until the yes: "no, I meant alice" after a lock', () => {
    const db = tempDbPath();
    cli(db, 'sam', 't1', 'lock my laptop');
    const changed = cli(db, 'sam', 't1', 'no, I meant alice');
    expect(changed.proposals).toEqual([]);
    expect(changed.reply).toMatch(/already went ahead/);
    expect(changed.reply).toMatch(/Do you want me to lock LAPTOP-ALICE-01\?/);
    expect(cli(db, 'sam', 't1', 'yes').executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', args: { device_id: 'LAPTOP-ALICE-01', command: 'lock' }, ok: true })]);
  });
});

describe('"and the intern\'s" after a request is the same request for them (CLI)', () => {
  test('after "check my laptop": the intern\'s laptop, decided by policy (an employee is refused; an admin gets it)', () => {
    const db = tempDbPath();
    cli(db, 'alice', 't1', 'check my laptop');
    const follow = cli(db, 'alice', 't1', "and the intern's");
    expect(follow.proposals).toEqual([expect.objectContaining({ tool: 'run_device_diagnostic', args: { device_id: 'LAPTOP-INTERN-01' }, decision: 'deny' })]);
    cli(db, 'sam', 't2', 'check my laptop');
    const admin = cli(db, 'sam', 't2', "and the intern's");
    expect(admin.executed).toEqual([expect.objectContaining({ tool: 'run_device_diagnostic', args: { device_id: 'LAPTOP-INTERN-01' }, ok: true })]);
  });

  test("someone else's follow-up in the thread continues nothing of alice's", () => {
    const db = tempDbPath();
    cli(db, 'alice', 't1', 'check my laptop');
    const other = cli(db, 'sam', 't1', "and the intern's");
    expect(other.proposals).toEqual([]);
  });
});
