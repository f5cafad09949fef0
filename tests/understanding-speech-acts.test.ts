import { tempDbPath, countRows } from './support/harness';
import { runEntry } from './support/processes';

// The newcomer trial's speech acts through the CLI (a child process, the offline planner, a real SQLite
// file): an action is proposed only when the message asks for it; questions, hypotheticals, narration,
// revocations, relayed or quoted requests, open targets and corrected clauses are answered, offered or
// asked about (machines/llm/speech-act.ts).

interface CliResult {
  reply: string;
  proposals: Array<{ tool: string; args: Record<string, unknown>; decision: string }>;
  executed: Array<{ tool: string; ok: boolean; output: Record<string, unknown> }>;
  approvals: Array<{ id: string; status: string }>;
}
const cli = (db: string, as: string, thread: string, text: string): CliResult => {
  const r = runEntry('apps/cli/main.ts', ['--as', as, '--thread', thread, '--json', text], { SENTINEL_DB: db, SENTINEL_LLM: 'offline' });
  if (r.code !== 0) throw new Error(`CLI exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as CliResult;
};
const count = countRows;
/** Nothing proposed, run or sent for approval. */
const nothing = (r: CliResult) => {
  expect(r.proposals).toEqual([]);
  expect(r.executed).toEqual([]);
  expect(r.approvals).toEqual([]);
};

describe('only requests are acted on (CLI)', () => {
  test('taking access away is answered (no revoke tool), never read as a grant; a yes files a ticket for IT', () => {
    const db = tempDbPath();
    const remove = cli(db, 'sam', 'r1', "remove alice's vpn access");
    nothing(remove);
    expect(remove.reply).toMatch(/can't take access away/);
    expect(remove.reply).toMatch(/ends by itself when it expires/);
    expect(remove.reply).toMatch(/IT admin can remove it/);
    // The trial's follow-up granted alice admin: there is nothing pending for it to complete now.
    const fragment = cli(db, 'sam', 'r1', 'admin for 4 hours');
    nothing(fragment);
    expect(fragment.reply).toMatch(/Nothing is waiting for a level or a duration/);
    // …and its "yes" files nothing about the fragment.
    nothing(cli(db, 'sam', 'r1', 'yes'));
    nothing(cli(db, 'intern', 'r2', "take away my aws-prod admin access please, I don't need it"));
    nothing(cli(db, 'sam', 'r3', "revoke the intern's github access"));
    const alice = cli(db, 'alice', 'r4', 'I no longer need github access');
    nothing(alice);
    const ticket = cli(db, 'alice', 'r4', 'yes');
    expect(ticket.executed).toEqual([expect.objectContaining({ tool: 'create_support_ticket', ok: true })]);
    expect(count(db, "select count(*) n from approvals where tool = 'provision_access'")).toBe(0);
    expect(count(db, 'select count(*) n from grants')).toBe(0);
  });

  test('taking a lock off is never read as a lock; a level turned down is not the level asked for', () => {
    const db = tempDbPath();
    for (const [thread, text] of [['k1', 'can you remove the lock on my laptop'], ['k2', 'unlock my laptop'], ['k3', 'please take the lock off LAPTOP-ALICE-01']] as const) {
      const r = cli(db, 'alice', thread, text);
      nothing(r);
      expect(r.reply).toMatch(/can't unlock a device/);
    }
    expect(count(db, "select count(*) n from device_commands where command = 'lock'")).toBe(0);
    const lower = cli(db, 'alice', 'k4', "I don't need admin access, just read on github for 4 hours");
    expect(lower.proposals).toEqual([expect.objectContaining({ tool: 'provision_access', args: expect.objectContaining({ system: 'github', level: 'read' }) })]);
    const notAdmin = cli(db, 'alice', 'k5', 'I need write access to github, not admin, for 2 hours');
    expect(notAdmin.proposals).toEqual([expect.objectContaining({ tool: 'provision_access', args: expect.objectContaining({ level: 'write' }) })]);
  });

  test('a self-correction wins, and a trailing "no wait, don\'t" leaves everything alone', () => {
    const db = tempDbPath();
    const mine = cli(db, 'cto', 'c1', "restart alice's laptop, no wait, mine");
    expect(mine.executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true, output: expect.objectContaining({ device_id: 'LAPTOP-CTO-01' }) })]);
    const dont = cli(db, 'sam', 'c2', "Alice's laptop is ok. lock it anyway? no wait, don't");
    nothing(dont);
    expect(dont.reply).toMatch(/OK, I won't/);
    expect(count(db, "select count(*) n from device_commands where device_id != 'LAPTOP-CTO-01'")).toBe(0);
  });

  test("someone described through a named person (alice's manager, friend, assistant, intern, husband) is asked about, never alice", () => {
    const db = tempDbPath();
    const asks: Array<[string, RegExp]> = [
      ["lock alice's manager's laptop", /Who is alice's manager\?/],
      ["lock alice's friend's laptop", /Who is alice's friend\?/],
      ["reset the password of alice's assistant", /Who is alice's assistant\?/],
      ["alice's intern can't log in, reset their password", /Who is alice's intern\?/],
      ["reset password for alice's husband", /Who is alice's husband\?/],
    ];
    for (const [i, [say, question]] of asks.entries()) {
      const r = cli(db, 'cto', `p${i}`, say);
      nothing(r);
      expect(r.reply).toMatch(question);
    }
    expect(count(db, 'select count(*) n from device_commands')).toBe(0);
    expect(count(db, 'select count(*) n from password_resets')).toBe(0);
  });

  test('narrated, declined, relayed and quoted requests, either/or and a group run nothing; a relayed one is offered and a yes runs it', () => {
    const db = tempDbPath();
    const declined = cli(db, 'sam', 'n1', 'alice asked me to lock her laptop but I said no');
    nothing(declined);
    expect(declined.reply).toMatch(/haven't done anything/);
    nothing(cli(db, 'sam', 'n2', 'the intern wanted his password reset, but he fixed it himself'));
    const tell = cli(db, 'sam', 'n3', 'tell alice to restart her laptop');
    nothing(tell);
    expect(tell.reply).toMatch(/can't send messages to people for you/);
    expect(tell.reply).toMatch(/Do you want me to restart LAPTOP-ALICE-01\? \(yes \/ no\)/);
    expect(count(db, 'select count(*) n from device_commands')).toBe(0);
    const yes = cli(db, 'sam', 'n3', 'yes');
    expect(yes.executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true, output: expect.objectContaining({ device_id: 'LAPTOP-ALICE-01' }) })]);
    const quoted = cli(db, 'sam', 'n4', 'alice said "restart my laptop"');
    nothing(quoted);
    expect(quoted.reply).toMatch(/alice's or yours\?/);
    for (const [i, say] of ["restart either alice's laptop or mine", "lock alice or the intern's laptop, not sure which"].entries()) {
      const r = cli(db, 'sam', `e${i}`, say);
      nothing(r);
      expect(r.reply).toMatch(/Which one do you mean\?/);
    }
    const group = cli(db, 'sam', 'g', 'reset the password for all interns');
    nothing(group);
    expect(group.reply).toMatch(/one named person or device at a time/);
    expect(count(db, 'select count(*) n from device_commands')).toBe(1);
    expect(count(db, 'select count(*) n from password_resets')).toBe(0);
  });

  test('questions and hypotheticals are explained or offered; polite requests still run', () => {
    const db = tempDbPath();
    const what = cli(db, 'sam', 'q1', "what happens if you lock alice's laptop?");
    nothing(what);
    expect(what.reply).toMatch(/Locking a device shows its lock screen/);
    expect(what.reply).toMatch(/Do you want me to lock LAPTOP-ALICE-01\?/);
    nothing(cli(db, 'alice', 'q2', 'what happens if you lock my laptop?'));
    nothing(cli(db, 'alice', 'q3', 'is it safe to restart my laptop now?'));
    const past = cli(db, 'alice', 'q4', 'last week someone reset my password, was that you?');
    nothing(past);
    expect(past.reply).toMatch(/audit log/);
    const ifNot = cli(db, 'sam', 'q5', "was alice's password reset? if not, reset it");
    nothing(ifNot);
    expect(ifNot.reply).toMatch(/Do you want me to send a password reset link to alice\?/);
    expect(count(db, 'select count(*) n from device_commands')).toBe(0);
    expect(count(db, 'select count(*) n from password_resets')).toBe(0);
    // Polite imperatives are requests.
    expect(cli(db, 'intern', 'p1', 'can you restart my laptop?').executed).toEqual([expect.objectContaining({ output: expect.objectContaining({ device_id: 'LAPTOP-INTERN-01', command: 'restart', device_status: 'active' }) })]);
    expect(cli(db, 'intern', 'p2', 'could you reset my password please?').executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: true })]);
    expect(cli(db, 'intern', 'p3', 'would you lock my laptop, I lost it').executed).toEqual([expect.objectContaining({ output: expect.objectContaining({ device_id: 'LAPTOP-INTERN-01', command: 'lock', device_status: 'locked' }) })]);
  });

  test('questions about wiping explain it and file nothing', () => {
    const db = tempDbPath();
    const asks: Array<[string, string]> = [
      ['intern', 'how do I wipe my laptop?'],
      ['intern', 'can you explain what wipe does?'],
      ['intern', 'if my laptop gets stolen, would you wipe it?'],
      ['sam', "should I wipe alice's laptop?"],
      ['sam', "how do I wipe alice's laptop?"],
    ];
    for (const [i, [as, say]] of asks.entries()) {
      const r = cli(db, as, `w${i}`, say);
      nothing(r);
      expect(r.reply).toMatch(/A wipe erases everything on the device/);
    }
    expect(count(db, 'select count(*) n from approvals')).toBe(0);
  });

  test('"wipe it" / "lock it" with nothing before it asks which device; the id answers it', () => {
    const db = tempDbPath();
    const wipe = cli(db, 'intern', 'i1', 'wipe it');
    nothing(wipe);
    expect(wipe.reply).toMatch(/Which device should I wipe\?/);
    const lock = cli(db, 'intern', 'i2', 'lock it');
    nothing(lock);
    expect(lock.reply).toMatch(/Which device should I lock\?/);
    const id = cli(db, 'intern', 'i2', 'LAPTOP-INTERN-01');
    expect(id.executed).toEqual([expect.objectContaining({ output: expect.objectContaining({ device_id: 'LAPTOP-INTERN-01', command: 'lock', device_status: 'locked' }) })]);
  });

  test('jokes, later, conditions, quotes without quote marks, trailing retractions and a bare "again" run nothing', () => {
    const db = tempDbPath();
    const says: Array<[string, string, RegExp]> = [
      ['alice', 'reset my password? nah just kidding', /OK — nothing done\. If you do want it, ask me plainly\./],
      ['sam', "haha yeah sure, just wipe alice's laptop, that'll fix it 🙄", /nothing done/],
      ['sam', 'lol wipe everything', /nothing done/],
      ['alice', 'restart my laptop tomorrow morning', /act only now.*ask me when you need it/i],
      ['alice', 'remind me to reset my password on friday', /can't schedule/],
      ['alice', 'I might need vpn access for 8 hours next week', /act only now/],
      ['alice', "restart my laptop unless it's locked", /can't wait for a condition/],
      ['alice', 'what would you do if I said wipe my laptop', /A wipe erases everything/],
      ['sam', 'alice: reset my password', /alice's or yours\?/],
      ['sam', 'alice wrote: wipe my laptop', /alice's or yours\?/],
      ['sam', 'msg from sam -> pls restart my laptop', /sam's or yours\?/],
      ['sam', 'alice asked me to restart my laptop', /alice's or yours\?/],
      ['alice', 'restart my laptop or reset my password... actually neither', /won't do that/],
      ['alice', 'reset my password, forget it', /won't do that/],
      ['alice', 'again', /What should I do again\?/],
      ['alice', 'again pls', /What should I do again\?/],
    ];
    for (const [i, [as, say, reply]] of says.entries()) {
      const r = cli(db, as, `j${i}`, say);
      nothing(r);
      expect(r.reply).toMatch(reply);
    }
    // "again" after a request offers that request again, never a password reset.
    cli(db, 'alice', 'j-again', 'restart my laptop');
    const again = cli(db, 'alice', 'j-again', 'again');
    nothing(again);
    expect(again.reply).toMatch(/Do you want me to restart LAPTOP-ALICE-01\? \(yes \/ no\)/);
    expect(cli(db, 'alice', 'j-again', 'yes').executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true })]);
    expect(count(db, "select count(*) n from device_commands where command = 'restart'")).toBe(2);
    // The plain part of a message still runs its diagnostic; the conditional restart does not.
    const slow = cli(db, 'alice', 'j-slow', "my laptop is slow. if it's still slow tomorrow, restart it");
    expect(slow.proposals.map((p) => p.tool)).toEqual(['run_device_diagnostic']);
    expect(slow.reply).toMatch(/can't wait for a condition/);
    expect(count(db, 'select count(*) n from device_commands')).toBe(2);
    expect(count(db, 'select count(*) n from password_resets')).toBe(0);
    expect(count(db, 'select count(*) n from approvals')).toBe(0);
    // Still requests: a joke word beside a plain ask, a duration, "now".
    expect(cli(db, 'alice', 'k1', 'lol my laptop is so slow, can you restart it').executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true })]);
    expect(cli(db, 'alice', 'k2', 'I need github read access for tomorrow').proposals).toEqual([expect.objectContaining({ tool: 'provision_access', args: expect.objectContaining({ duration_hours: 24 }) })]);
    expect(cli(db, 'intern', 'k3', 'restart my laptop now').executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true })]);
  });
});
