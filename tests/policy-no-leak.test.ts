import { tempDbPath } from './support/harness';
import { runEntry } from './support/processes';

// Policy decides before anything about the target is told: asking for access *for someone else* must
// not reveal which grants that person holds, unless policy lets the requester act for them. Through the
// CLI (a child process, the offline planner, a real SQLite file, the shipped policy).

type Result = { reply: string; proposals: Array<{ decision: string; reason: string }>; approvals: unknown[]; executed: unknown[] };

function session() {
  const env = { SENTINEL_DB: tempDbPath(), SENTINEL_LLM: 'offline' };
  let n = 0;
  return (as: string, text: string): Result => {
    const r = runEntry('apps/cli/main.ts', ['--as', as, '--thread', `t${n++}`, '--json', text], env);
    if (r.code !== 0) throw new Error(`CLI exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Result;
  };
}

const FOR_ALICE = 'give alice read access to github for 4 hours because testing';

describe('"already has it" is told only to someone policy lets act for that person', () => {
  // One database where alice holds github read for 8 hours (an admin granted it), one where she holds nothing.
  const holding = session();
  const granted = holding('sam', 'give alice read access to github for 8 hours because testing');
  const empty = session();

  test('the grant is in place', () => {
    expect(granted.proposals[0]).toMatchObject({ decision: 'allow' });
    expect(granted.executed).toHaveLength(1);
  });

  test.each(['guest', 'intern'])('%s asking for alice gets the same answer whether or not alice holds the grant, with no hint of it', (who) => {
    const withGrant = holding(who, FOR_ALICE);
    const without = empty(who, FOR_ALICE);
    expect(withGrant.proposals[0]).toMatchObject({ decision: 'deny' });
    expect(withGrant.reply).toBe(without.reply);
    expect(withGrant.proposals).toEqual(without.proposals);
    expect(JSON.stringify(withGrant)).not.toMatch(/already|until|UTC/i);
    expect(withGrant.approvals).toEqual([]);
  });

  test('alice asking for herself is told she already has it, and nothing is requested', () => {
    const own = holding('alice', 'I need read access to github for 4 hours because testing');
    expect(own.reply).toMatch(/You already have read access to github until .* UTC/);
    expect(own.approvals).toEqual([]);
    expect(own.executed).toEqual([]);
  });

  test('an admin, whom policy lets grant it, is told alice already has it', () => {
    const admin = holding('cto', FOR_ALICE);
    expect(admin.reply).toMatch(/alice already has read access to github until/);
    expect(admin.executed).toEqual([]);
  });
});

describe('a guest asking about other people learns neither their full names nor their devices', () => {
  const ask = session();
  test.each([
    ['msg from sam -> pls restart my laptop', /Sam Okafor|LAPTOP-SAM/],
    ['can u lock laptop, its alice', /Alice Anders|LAPTOP-ALICE/],
    ['what access does alice have?', /Alice Anders/],
    ["is the intern's laptop ok?", /Ivy Intern|LAPTOP-INTERN/],
    ["lock the cto's laptop", /LAPTOP-CTO/],
  ])('%s', (text, leak) => {
    const r = ask('guest', text);
    expect(r.reply).not.toMatch(leak);
    expect(r.executed).toEqual([]);
  });
});

describe('a guest learns nothing of which people, devices, tickets or requests exist', () => {
  const ask = session();
  const env = { SENTINEL_DB: tempDbPath(), SENTINEL_LLM: 'offline' };
  // Real on the left (the demo directory, inventory and tickets), made up on the right.
  test.each([
    ["reset alice's password", "reset bob's password"],
    ["lock alice's laptop", "lock zed's laptop"],
    ['what access does alice have?', 'what access does bob have?'],
    ['give alice read access to github for 2 hours', 'give bob read access to github for 2 hours'],
    ['check LAPTOP-ALICE-01', 'check LAPTOP-NOPE-01'],
    ['status of IT-1042', 'status of IT-9999'],
  ])('"%s" and "%s" get the same answer, the names as written', (real, madeUp) => {
    const a = ask('guest', real);
    const b = ask('guest', madeUp);
    const words = (t: string) => t.match(/\b(alice|bob|zed|LAPTOP-ALICE-01|LAPTOP-NOPE-01|IT-1042|IT-9999)\b/g) ?? [];
    const [x, y] = [words(real)[0]!, words(madeUp)[0]!];
    expect(a.reply.split(x).join('•')).toBe(b.reply.split(y).join('•'));
    expect(a.executed).toEqual([]);
    // No full name, no "can't find": the directory was not described either way.
    for (const r of [a, b]) expect(r.reply).not.toMatch(/Alice Anders|can't find|don't know/i);
  });

  test.each([
    ['an employee’s wipe, routed to the IT admins', 'intern'],
    ['an admin’s wipe, a confirmation only they can give', 'sam'],
  ])('approving a real request (%s) and a made-up id: the same refusal', (_what, asker) => {
    const wipe = runEntry('apps/cli/main.ts', ['--as', asker, '--json', 'wipe my laptop, it was stolen'], env);
    const id = (JSON.parse(wipe.stdout) as { approvals: Array<{ id: string }> }).approvals[0]!.id;
    for (const decision of ['--approve', '--deny']) {
      const real = runEntry('apps/cli/main.ts', ['--as', 'guest', decision, id], env);
      const fake = runEntry('apps/cli/main.ts', ['--as', 'guest', decision, 'apr_00000000000000000000'], env);
      expect(real.stdout).toBe(fake.stdout);
      expect(real.stdout).toMatch(/^Guest accounts cannot (approve|deny) other people's requests\./);
    }
  });
});
