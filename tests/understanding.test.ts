import Database from 'better-sqlite3';
import { tempDbPath } from './support/harness';
import { runEntry } from './support/processes';

// Issue 11's examples through the CLI (a child process, the offline planner, a real SQLite file).

const cli = (db: string, as: string, thread: string, text: string) => {
  const r = runEntry('apps/cli/main.ts', ['--as', as, '--thread', thread, '--json', text], { SENTINEL_DB: db, SENTINEL_LLM: 'offline' });
  if (r.code !== 0) throw new Error(`CLI exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as {
    reply: string;
    proposals: Array<{ tool: string; args: Record<string, unknown>; decision: string }>;
    executed: Array<{ tool: string; ok: boolean; output: Record<string, unknown> }>;
    approvals: Array<{ id: string; status: string }>;
  };
};
const count = (db: string, sql: string) => {
  const r = new Database(db, { readonly: true });
  try {
    return (r.prepare(sql).get() as { n: number }).n;
  } finally {
    r.close();
  }
};

describe('understanding who and what (CLI)', () => {
  test('the intern asking about alice’s laptop never touches their own', () => {
    const db = tempDbPath();
    const restart = cli(db, 'intern', 'a', "restart alice's laptop please");
    expect(restart.proposals).toEqual([expect.objectContaining({ tool: 'execute_remote_command', args: { device_id: 'LAPTOP-ALICE-01', command: 'restart' }, decision: 'deny' })]);
    const wipe = cli(db, 'intern', 'b', "wipe alice's laptop");
    expect(wipe.proposals).toEqual([expect.objectContaining({ args: { device_id: 'LAPTOP-ALICE-01', command: 'wipe' }, decision: 'deny' })]);
    expect(wipe.approvals).toEqual([]);
    expect(count(db, 'select count(*) n from device_commands')).toBe(0);
  });

  test('an admin acts on the person named: alice’s laptop, the intern’s access; an unknown person gets a question', () => {
    const db = tempDbPath();
    const lock = cli(db, 'sam', 'a', "lock alice's laptop, she lost it at the airport");
    expect(lock.executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true, output: expect.objectContaining({ device_id: 'LAPTOP-ALICE-01' }) })]);
    const grant = cli(db, 'cto', 'b', 'give intern write access to salesforce for 4 hours');
    expect(grant.executed).toEqual([expect.objectContaining({ tool: 'provision_access', output: expect.objectContaining({ user: 'intern', level: 'write', system: 'salesforce' }) })]);
    expect(grant.reply).toMatch(/^intern now has write access to salesforce/);
    const email = cli(db, 'sam', 'c', 'password reset for alice@example.com');
    expect(email.executed).toEqual([expect.objectContaining({ tool: 'reset_password', output: expect.objectContaining({ user: 'alice' }) })]);
    const bob = cli(db, 'sam', 'd', "reset bob's password");
    expect(bob.proposals).toEqual([]);
    expect(bob.reply).toMatch(/don't know anyone called "bob"/);
    expect(count(db, "select count(*) n from device_commands where device_id != 'LAPTOP-ALICE-01'")).toBe(0);
  });

  test('a follow-up about "it" stays on the device named before', () => {
    const db = tempDbPath();
    cli(db, 'sam', 't', 'alice lost her laptop');
    const wipe = cli(db, 'sam', 't', 'wipe it');
    expect(wipe.proposals).toEqual([expect.objectContaining({ args: { device_id: 'LAPTOP-ALICE-01', command: 'wipe' }, decision: 'require_approval' })]);
  });

  test('"I need access" → which system → which level → a request; then "what access do I have?" lists it', () => {
    const db = tempDbPath();
    expect(cli(db, 'alice', 't', 'I need access').reply).toMatch(/Which system/);
    expect(cli(db, 'alice', 't', 'github').reply).toMatch(/read or write/);
    const asked = cli(db, 'alice', 't', 'write for 8 hours');
    expect(asked.approvals).toEqual([expect.objectContaining({ status: 'pending' })]);
    const mine = cli(db, 'alice', 'u', 'what access do I have?');
    expect(mine.executed).toEqual([expect.objectContaining({ tool: 'list_my_access', ok: true })]);
    expect(mine.reply).toMatch(/Waiting for approval:\n• grant alice write access to github for 8 h \(request apr_/);
    const queue = cli(db, 'sam', 'q', 'what approvals are waiting for me?');
    expect(queue.reply).toContain(asked.approvals[0]!.id);
    expect(cli(db, 'alice', 'v', 'what approvals are waiting for me?').reply).toMatch(/Only IT admins approve/);
  });

  test('access the user already holds is answered, not requested again', () => {
    const db = tempDbPath();
    cli(db, 'cto', 'a', 'give alice read access to github for 48 hours');
    const again = cli(db, 'alice', 'b', 'I need read access to github for 8 hours');
    expect(again.approvals).toEqual([]);
    expect(again.reply).toMatch(/You already have read access to github until/);
    expect(cli(db, 'alice', 'c', 'my open tickets').reply).toMatch(/IT-1042 "VPN drops every hour": open/);
  });

  test('"actually cancel that, I found it" withdraws the thread’s waiting request; nothing waiting, nothing claimed', () => {
    const db = tempDbPath();
    const asked = cli(db, 'alice', 't', 'wipe my laptop, it was stolen');
    expect(asked.approvals).toEqual([expect.objectContaining({ status: 'pending' })]);
    const cancel = cli(db, 'alice', 't', 'actually cancel that, I found it');
    expect(cancel.reply).toMatch(/Withdrawn: your request to wipe LAPTOP-ALICE-01/);
    expect(count(db, "select count(*) n from approvals where status = 'denied' and decided_by = 'alice'")).toBe(1);
    // An admin's click afterwards changes nothing.
    const late = runEntry('apps/cli/main.ts', ['--as', 'sam', '--json', '--approve', asked.approvals[0]!.id], { SENTINEL_DB: db });
    expect(JSON.parse(late.stdout).reply).toMatch(/already denied by alice/);
    expect(count(db, 'select count(*) n from device_commands')).toBe(0);
    expect(cli(db, 'alice', 'other', 'cancel that').reply).toMatch(/nothing to withdraw/);
  });

  test('"I meant alice" answers "who?" for the held-back request only: the clause about the requester stays theirs', () => {
    const db = tempDbPath();
    const asked = cli(db, 'sam', 't', "reset dave's password and restart my laptop");
    expect(asked.reply).toMatch(/don't know anyone called "dave"/);
    expect(asked.proposals).toEqual([expect.objectContaining({ args: { device_id: 'LAPTOP-SAM-01', command: 'restart' } })]);
    const meant = cli(db, 'sam', 't', 'sorry, I meant alice');
    expect(meant.proposals).toEqual([expect.objectContaining({ tool: 'reset_password', args: { user: 'alice' } })]);
    expect(count(db, "select count(*) n from password_resets where user_id = 'sam'")).toBe(0);
  });

  test('a bare name where no pattern says whose is asked about, never silently replaced by the requester', () => {
    const db = tempDbPath();
    const r = cli(db, 'sam', 't', 'reset password alice');
    expect(r.proposals).toEqual([]);
    expect(r.reply).toMatch(/for Alice .*\(alice\) or for you/);
    const mine = cli(db, 'sam', 't', 'mine');
    expect(mine.proposals).toEqual([expect.objectContaining({ tool: 'reset_password', args: { user: 'sam' } })]);
  });

  test('a first name, and a pronoun later in the same message, name the person', () => {
    const db = tempDbPath();
    const ivy = cli(db, 'sam', 'a', "reset Ivy's password");
    expect(ivy.proposals).toEqual([expect.objectContaining({ tool: 'reset_password', args: { user: 'intern' } })]);
    const she = cli(db, 'sam', 'b', "alice says she can't log in, reset her password");
    expect(she.proposals).toEqual([expect.objectContaining({ tool: 'reset_password', args: { user: 'alice' } })]);
  });

  test('"lock alice’s laptop and the intern’s" locks both; "and sam’s too" repeats the last request for sam only', () => {
    const db = tempDbPath();
    const both = cli(db, 'cto', 't', "lock alice's laptop and the intern's");
    expect(both.proposals.map((p) => p.args)).toEqual([
      { device_id: 'LAPTOP-ALICE-01', command: 'lock' },
      { device_id: 'LAPTOP-INTERN-01', command: 'lock' },
    ]);
    const again = cli(db, 'cto', 't', "and sam's too");
    expect(again.proposals.map((p) => p.args)).toEqual([{ device_id: 'LAPTOP-SAM-01', command: 'lock' }]);
    expect(count(db, "select count(*) n from device_commands where device_id = 'LAPTOP-CTO-01'")).toBe(0);
    // Naming nobody is not the same request again.
    const vague = cli(db, 'cto', 't', 'the vpn too');
    expect(vague.proposals).toEqual([]);
  });

  test.each([
    ['pls reset pw', 'reset_password', { user: 'alice' }],
    ['my laptp is super slwo', 'run_device_diagnostic', { device_id: 'LAPTOP-ALICE-01' }],
    ['is my laptop ok', 'run_device_diagnostic', { device_id: 'LAPTOP-ALICE-01' }],
    ['need admin on aws-prod for a deploy', 'provision_access', { user: 'alice', system: 'aws-prod', level: 'admin' }],
    ['what access do I have?', 'list_my_access', {}],
    ['my open tickets', 'list_my_tickets', {}],
    ['what approvals are waiting for me?', 'list_pending_approvals', {}],
  ])('the issue’s phrasing "%s" → %s', (text, tool, args) => {
    const r = cli(tempDbPath(), 'alice', 't', text);
    expect(r.proposals).toEqual([expect.objectContaining({ tool, args: expect.objectContaining(args) })]);
  });

  test('"the projector won’t connect" is offered a ticket, which "yes" files', () => {
    const db = tempDbPath();
    const offer = cli(db, 'alice', 't', "the projector won't connect");
    expect(offer.proposals).toEqual([]);
    expect(offer.reply).toMatch(/open a ticket .*\(yes \/ no\)/);
    const yes = cli(db, 'alice', 't', 'yes');
    expect(yes.executed).toEqual([expect.objectContaining({ tool: 'create_support_ticket', ok: true })]);
  });
});
