import { countRows, tempDbPath } from './support/harness';
import { runEntry } from './support/processes';

// A thread several people write in (a Slack channel thread, a shared CLI thread): a question, an offer or
// a waiting request answers only the person it was made for (machines/dialogue-owner.ts). Through the CLI
// as a child process on a real SQLite file, with the offline planner.

interface CliResult {
  reply: string;
  proposals: Array<{ tool: string; args: Record<string, unknown> }>;
  executed: Array<{ tool: string; args: Record<string, unknown> }>;
}
const say = (db: string, as: string, thread: string, text: string): CliResult => {
  const r = runEntry('apps/cli/main.ts', ['--as', as, '--thread', thread, '--json', text], { SENTINEL_DB: db, SENTINEL_LLM: 'offline' });
  if (r.code !== 0) throw new Error(`CLI exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as CliResult;
};

describe('someone else in the thread', () => {
  test("an admin's yes does not accept an offer made to an employee; the employee's own yes does", () => {
    const db = tempDbPath();
    expect(say(db, 'intern', 't1', 'is it safe to restart my laptop?').reply).toMatch(/Do you want me to restart LAPTOP-INTERN-01/);
    const admin = say(db, 'sam', 't1', 'yes');
    expect(admin.executed).toEqual([]);
    expect(countRows(db, 'select count(*) n from device_commands')).toBe(0);
    const own = say(db, 'intern', 't1', 'yes');
    expect(own.executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', args: { device_id: 'LAPTOP-INTERN-01', command: 'restart' } })]);
  });

  test("an admin's answer does not fill an employee's access request; the employee's answer still does", () => {
    const db = tempDbPath();
    say(db, 'alice', 't2', 'I need github access');
    const admin = say(db, 'sam', 't2', 'admin for 72 hours');
    expect(admin.proposals).toEqual([]);
    expect(countRows(db, 'select count(*) n from grants')).toBe(0);
    const own = say(db, 'alice', 't2', 'read for 2 hours');
    expect(own.proposals).toEqual([expect.objectContaining({ tool: 'provision_access', args: expect.objectContaining({ user: 'alice', system: 'github', level: 'read' }) })]);
  });

  test('a third person cannot answer "whose?"; the asker still can', () => {
    const db = tempDbPath();
    expect(say(db, 'sam', 't3', 'can u lock laptop, its alice').reply).toMatch(/Is this for Alice/);
    say(db, 'intern', 't3', 'mine');
    say(db, 'cto', 't3', "alice's");
    expect(countRows(db, 'select count(*) n from device_commands')).toBe(0);
    const own = say(db, 'sam', 't3', "alice's");
    expect(own.executed).toEqual([expect.objectContaining({ args: { device_id: 'LAPTOP-ALICE-01', command: 'lock' } })]);
  });

  test("a guest's yes neither files nor repeats an employee's words; the employee's yes files them", () => {
    const db = tempDbPath();
    say(db, 'intern', 't4', 'my keyboard is broken');
    const guest = say(db, 'guest', 't4', 'yes');
    expect(guest.reply).not.toMatch(/keyboard/);
    expect(guest.proposals).toEqual([]);
    const own = say(db, 'intern', 't4', 'yes');
    expect(own.executed).toEqual([expect.objectContaining({ tool: 'create_support_ticket' })]);
  });
});

describe('one message, one change per device', () => {
  test('"lock it and then restart it" locks, and the restart (which would unlock it without the approval it needs) is refused', () => {
    const db = tempDbPath();
    const r = say(db, 'intern', 't5', 'lock my laptop and then restart it');
    expect(r.executed).toEqual([expect.objectContaining({ args: { device_id: 'LAPTOP-INTERN-01', command: 'lock' } })]);
    expect(r.reply).toMatch(/already being changed by this message/);
    expect(countRows(db, "select count(*) n from device_commands where command = 'restart'")).toBe(0);
    // Asked on its own, the restart of the now-locked laptop needs an admin's approval.
    const later = say(db, 'intern', 't5', 'restart my laptop');
    expect(later.executed).toEqual([]);
    expect(later.reply).toMatch(/needs approval/);
  });
});
