import Database from 'better-sqlite3';
import { tempDbPath, countRows } from './support/harness';
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
const count = countRows;

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
    const r = cli(db, 'sam', 't', 'reset password, alice');
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

// The newcomer trial's safety findings (issue 11): the planner never acts on the wrong person.
describe('never the wrong person (CLI)', () => {
  const devicesTouched = (db: string) => {
    const r = new Database(db, { readonly: true });
    try {
      return (r.prepare('select device_id from device_commands order by device_id').all() as Array<{ device_id: string }>).map((x) => x.device_id);
    } finally {
      r.close();
    }
  };

  test('"my laptop is also slow, restart it" after talking about alice’s laptop: the message’s own "my" wins', () => {
    const db = tempDbPath();
    cli(db, 'intern', 't', "alice's laptop is slow, can you check it?");
    const mine = cli(db, 'intern', 't', 'my laptop is also slow, restart it');
    expect(mine.proposals).toEqual([expect.objectContaining({ tool: 'execute_remote_command', args: { device_id: 'LAPTOP-INTERN-01', command: 'restart' } })]);
    expect(devicesTouched(db)).toEqual(['LAPTOP-INTERN-01']);
  });

  test.each([
    ["lock my laptop, not alice's", 'LAPTOP-SAM-01', 'lock'],
    ["don't lock alice's laptop, lock mine", 'LAPTOP-SAM-01', 'lock'],
    ["don't touch alice's laptop, just restart the intern's", 'LAPTOP-INTERN-01', 'restart'],
    ["alice's laptop is slow, can you restart mine?", 'LAPTOP-SAM-01', 'restart'],
    ["the intern's laptop is fine but mine is slow", 'LAPTOP-SAM-01', null],
    ['sam said I should lock my laptop', 'LAPTOP-ALICE-01', 'lock'],
  ])('"%s" → %s only: a person negated, contrasted or quoted is never the target', (text, device, command) => {
    const db = tempDbPath();
    const as = text.startsWith('sam said') ? 'alice' : 'sam';
    const r = cli(db, as, 't', text);
    const tool = command ? 'execute_remote_command' : 'run_device_diagnostic';
    expect(r.proposals).toEqual([expect.objectContaining({ tool, args: command ? { device_id: device, command } : { device_id: device } })]);
    expect(devicesTouched(db).every((d) => d === device)).toBe(true);
  });

  test.each([
    ["my colleague can't log in", /Who is your colleague\? Tell me their name or email/],
    ["my boss can't log in", /Who is your boss\?/],
    ['a contractor needs a password reset', /Which contractor do you mean\?/],
    ['lock the laptop of my teammate', /Who is your teammate\?/],
    ["someone's laptop was stolen", /Who do you mean\? Tell me their name or email/],
  ])('a person only described ("%s") is asked about, never replaced by the requester', (text, question) => {
    const db = tempDbPath();
    const r = cli(db, 'sam', 't', text);
    expect(r.proposals).toEqual([]);
    expect(r.reply).toMatch(question);
  });

  test('the answer to "who is your colleague?" fills it; an unknown answer is asked about again', () => {
    const db = tempDbPath();
    cli(db, 'sam', 't', "my colleague can't log in");
    expect(cli(db, 'sam', 't', 'bob').reply).toMatch(/don't know anyone called "bob"/);
    const alice = cli(db, 'sam', 't', 'alice');
    expect(alice.proposals).toEqual([expect.objectContaining({ tool: 'reset_password', args: { user: 'alice' } })]);
    expect(count(db, "select count(*) n from password_resets where user_id = 'sam'")).toBe(0);
  });

  test('look-alike names: folded and matched exactly, or asked about — never the requester', () => {
    const db = tempDbPath();
    expect(cli(db, 'sam', 'a', 'reset the password for \uff41\uff4c\uff49\uff43\uff45').proposals).toEqual([expect.objectContaining({ args: { user: 'alice' } })]);
    expect(cli(db, 'sam', 'b', "reset ali\u200Bce's password").proposals).toEqual([expect.objectContaining({ args: { user: 'alice' } })]);
    expect(cli(db, 'sam', 'c', 'password reset for \uff41\uff4c\uff49\uff43\uff45\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d').proposals).toEqual([
      expect.objectContaining({ args: { user: 'alice' } }),
    ]);
    for (const [i, name] of ['Al\u00edce', '\u0430lice'].entries()) {
      const r = cli(db, 'sam', `d${i}`, `reset ${name}'s password`);
      expect(r.proposals).toEqual([]);
      expect(r.reply).toMatch(/I don't know anyone called/);
    }
    expect(count(db, "select count(*) n from password_resets where user_id = 'sam'")).toBe(0);
  });

  test.each(['wipe all laptops', "lock everyone's laptops", 'reset all passwords'])('"%s": one named person or device at a time, nothing proposed', (text) => {
    const db = tempDbPath();
    const r = cli(db, 'sam', 't', text);
    expect(r.proposals).toEqual([]);
    expect(r.reply).toMatch(/one named person or device at a time/);
  });

  test('questions about someone else’s access or tickets are read-only and never answered with the requester’s data', () => {
    const db = tempDbPath();
    const access = cli(db, 'alice', 't', 'what access does the intern have?');
    expect(access.proposals).toEqual([]);
    expect(access.reply).toMatch(/only show your own access/);
    for (const next of ["the intern's", 'yes', 'admin on github']) cli(db, 'alice', 't', next);
    expect(count(db, "select count(*) n from approvals where tool = 'provision_access' and args like '%intern%'")).toBe(0);
    for (const [i, text] of ['what tickets does alice have?', "show me alice's tickets"].entries()) {
      const r = cli(db, 'sam', `q${i}`, text);
      expect(r.proposals).toEqual([]);
      expect(r.reply).toMatch(/only list your own tickets/);
    }
  });

  test('"reset the password" after talking about alice asks whose; "mine" answers it', () => {
    const db = tempDbPath();
    cli(db, 'sam', 't', 'alice says her laptop is acting up');
    const asked = cli(db, 'sam', 't', 'reset the password');
    expect(asked.proposals).toEqual([]);
    expect(asked.reply).toMatch(/for Alice Anders \(alice\) or for you/);
    expect(cli(db, 'sam', 't', 'mine').proposals).toEqual([expect.objectContaining({ tool: 'reset_password', args: { user: 'sam' } })]);
  });

  test('"no" to a request just made withdraws it; a later "yes" creates nothing', () => {
    const db = tempDbPath();
    const asked = cli(db, 'alice', 't', 'wipe my laptop');
    expect(asked.approvals).toEqual([expect.objectContaining({ status: 'pending' })]);
    expect(cli(db, 'alice', 't', 'no').reply).toMatch(/Withdrawn: your request to wipe LAPTOP-ALICE-01/);
    const yes = cli(db, 'alice', 't', 'yes');
    expect(yes.proposals).toEqual([]);
    const own = cli(db, 'sam', 'u', 'wipe my laptop');
    expect(own.approvals).toEqual([expect.objectContaining({ status: 'pending', required: 'requester' })]);
    expect(cli(db, 'sam', 'u', 'nope').reply).toMatch(/Withdrawn/);
    expect(cli(db, 'sam', 'u', 'yes').proposals).toEqual([]);
    expect(count(db, "select count(*) n from tickets where summary in ('no', 'nope', 'yes')")).toBe(0);
    expect(devicesTouched(db)).toEqual([]);
  });

  test('several people named: one proposal each, none dropped', () => {
    const db = tempDbPath();
    const r = cli(db, 'sam', 't', 'reset passwords for alice and the intern');
    expect(r.proposals.map((p) => p.args)).toEqual([{ user: 'alice' }, { user: 'intern' }]);
  });

  test('a correction after a request ran offers it for the person meant (the yes sends it to policy); clear names act without asking', () => {
    const db = tempDbPath();
    cli(db, 'sam', 't', 'lock my laptop');
    const meant = cli(db, 'sam', 't', 'no, I meant alice');
    expect(meant.proposals).toEqual([]);
    expect(meant.reply).toMatch(/already went ahead/);
    expect(meant.reply).toMatch(/Do you want me to lock LAPTOP-ALICE-01\?/);
    expect(cli(db, 'sam', 't', 'yes').proposals).toEqual([expect.objectContaining({ args: { device_id: 'LAPTOP-ALICE-01', command: 'lock' } })]);
    expect(cli(db, 'sam', 'a', 'reset the password for Alice Anders').proposals).toEqual([expect.objectContaining({ args: { user: 'alice' } })]);
    expect(cli(db, 'sam', 'b', 'ALICE@EXAMPLE.COM needs a reset').proposals).toEqual([expect.objectContaining({ args: { user: 'alice' } })]);
    const bob = cli(db, 'sam', 'c', 'lock laptop bob');
    expect(bob.proposals).toEqual([]);
    expect(bob.reply).toMatch(/don't know anyone called "bob"/);
    expect(count(db, "select count(*) n from password_resets where user_id = 'sam'")).toBe(0);
  });
});

describe('"extend my access" (CLI)', () => {
  test('the grant in force asked for again at its level; several held: which one; none: says so', () => {
    const db = tempDbPath();
    expect(cli(db, 'alice', 'n', 'extend my access').reply).toMatch(/You have no access grant to extend/);
    cli(db, 'cto', 'a', 'give alice read access to github for 2 hours');
    const one = cli(db, 'alice', 't', 'extend my access');
    expect(one.proposals).toEqual([expect.objectContaining({ tool: 'provision_access', args: expect.objectContaining({ user: 'alice', system: 'github', level: 'read', duration_hours: 2 }) })]);
    expect(one.proposals[0]!.decision).not.toBe('deny');
    const more = cli(db, 'alice', 'u', 'can I have github for 2 more hours');
    expect(more.proposals).toEqual([expect.objectContaining({ tool: 'provision_access', args: expect.objectContaining({ system: 'github', level: 'read', duration_hours: 4 }) })]);
    cli(db, 'cto', 'b', 'give alice write access to salesforce for 4 hours');
    const which = cli(db, 'alice', 'w', 'extend my access');
    expect(which.proposals).toEqual([]);
    expect(which.reply).toMatch(/github \(read, until .*\) and salesforce \(write, until .*\)\. Which one should I extend\?|salesforce \(write, until .*\) and github \(read, until .*\)\. Which one should I extend\?/);
    const answered = cli(db, 'alice', 'w', 'salesforce');
    expect(answered.proposals).toEqual([expect.objectContaining({ tool: 'provision_access', args: expect.objectContaining({ user: 'alice', system: 'salesforce', level: 'write', duration_hours: 4 }) })]);
    const named = cli(db, 'alice', 'x', 'extend my github access');
    expect(named.proposals).toEqual([expect.objectContaining({ args: expect.objectContaining({ system: 'github', level: 'read' }) })]);
    const notHeld = cli(db, 'alice', 'y', 'can I have aws-prod for 2 more hours');
    expect(notHeld.proposals).toEqual([]);
    expect(notHeld.reply).toMatch(/You don't have access to aws-prod to extend/);
  });
});
