import { canonicalText } from './canonical';
import { bareNames, personMentions } from './mentions';
import { offlinePlan } from './offline-planner';
import { describedPerson, namesEveryone, readPeople } from './people-in-message';

// The rule, swept over phrasings: a message that names someone other than the requester never acts on the
// requester; a message that excludes someone never acts on them.

const SYSTEMS = ['github', 'vpn', 'aws-prod', 'salesforce'];
const DIRECTORY: Record<string, { id: string; name: string; devices: string[] }> = {
  alice: { id: 'alice', name: 'Alice Anders', devices: ['LAPTOP-ALICE-01'] },
  'alice anders': { id: 'alice', name: 'Alice Anders', devices: ['LAPTOP-ALICE-01'] },
  intern: { id: 'intern', name: 'Ivy Intern', devices: ['LAPTOP-INTERN-01'] },
  ivy: { id: 'intern', name: 'Ivy Intern', devices: ['LAPTOP-INTERN-01'] },
  sam: { id: 'sam', name: 'Sam Okafor (IT)', devices: ['LAPTOP-SAM-01'] },
};
const sam = { id: 'sam', role: 'admin' as const, email: 'sam@example.com', name: 'Sam Okafor (IT)', devices: ['LAPTOP-SAM-01'] };

/** As the propose actor does it: every mention and bare name looked up exactly. */
function plan(message: string) {
  const t = canonicalText(message).toLowerCase();
  const mentions = new Set([...personMentions(t, SYSTEMS).map((m) => m.text), ...bareNames(t, SYSTEMS)]);
  const people = [...mentions].map((mention) => ({ mention, person: DIRECTORY[mention.replace(/@example\.com$/, '')] ?? null }));
  return offlinePlan({ requester: sam, history: [], message, systemIds: SYSTEMS, people, dialogue: null });
}
const targets = (message: string) =>
  plan(message).calls.map((c) => {
    const a = JSON.parse(c.arguments) as { user?: string; device_id?: string };
    return a.user ?? a.device_id ?? c.name;
  });

describe('never the requester when someone else is named', () => {
  const others = ["alice's", "the intern's", "bob's", "ALICE'S", "ivy's", "my colleague's", "someone's", "a contractor's", "kim's", "alíce's", "ａｌｉｃｅ's", 'ali\u200bce’s'];
  const requests = ['lock {} laptop', 'restart {} laptop', 'wipe {} laptop', 'reset {} password', 'check {} laptop', '{} laptop is slow', '{} laptop was stolen', 'give {} access to github', 'pls reboot {} computer asap'];
  const names = ['bob', 'kim smith', 'Bob', 'alíce', 'dave', 'alice@example.com', 'alic\u0327e', 'q\u0301bob', 'ali\uFE0Fce', 'al\u00ADice', '<@U0123ABC>'];
  const named = ['reset password for {}', "{} can't log in", '{} is locked out', 'lock laptop {}', 'reset the password of {}', 'wipe the laptop of {}', 'reset {} password', 'lock {} laptop', '{} wants a reset'];
  test.each([
    ...others.flatMap((o) => requests.map((r) => r.replace('{}', o))),
    ...names.flatMap((n) => named.map((r) => r.replace('{}', n))),
    'my colleague can’t log in',
    'a contractor needs a password reset',
    'lock the laptop of my teammate',
  ])('%s', (message) => {
    for (const t of targets(message)) expect(['sam', 'LAPTOP-SAM-01']).not.toContain(t);
  });
});

describe('never someone the message excluded', () => {
  test.each([
    ["lock my laptop, not alice's", ['LAPTOP-SAM-01']],
    ["don't lock alice's laptop, lock mine", ['LAPTOP-SAM-01']],
    ["don't reset alice's password, reset mine", ['sam']],
    ["don't touch alice's laptop, just restart the intern's", ['LAPTOP-INTERN-01']],
    ["alice's laptop is slow, can you restart mine?", ['LAPTOP-SAM-01']],
    ["the intern's laptop is fine but mine is slow", ['LAPTOP-SAM-01']],
    ["not alice's laptop — mine: lock it", ['LAPTOP-SAM-01']],
    ["restart the intern's laptop instead of alice's", ['LAPTOP-INTERN-01']],
    ["lock alice's laptop, not mine", ['LAPTOP-ALICE-01']],
    ['sam said I should lock my laptop', ['LAPTOP-SAM-01']],
    ["I can't log in, alice said to ask you", ['sam']],
    // The negation was about the action: "it" is still alice's laptop.
    ["don't wipe alice's laptop, just lock it", ['LAPTOP-ALICE-01']],
  ])('%s → %j', (message, expected) => expect(targets(message)).toEqual(expected));

  const ALICE = ['alice', 'LAPTOP-ALICE-01'];
  const INTERN = ['intern', 'LAPTOP-INTERN-01'];
  test.each(
    [
      ["alice's", ALICE],
      ["the intern's", INTERN],
      ["ivy's", INTERN],
    ].flatMap(([o, ids]) =>
      ['lock the laptop', 'restart a laptop', 'reset the password', 'wipe my laptop', 'check the laptop', 'lock mine'].flatMap((r) =>
        [`${r}, not ${o}`, `${r} but not ${o}`, `${r} except ${o}`, `${r} instead of ${o}`, `not ${o} — ${r}`].map((m) => [m, ids] as const),
      ),
    ),
  )('%s: never %j', (message, ids) => {
    for (const t of targets(message)) expect(ids).not.toContain(t);
  });

  test('what is excluded, and what the action asks for', () => {
    expect(readPeople("don't touch alice's laptop, just restart the intern's")).toMatchObject({ excluded: ['alice'], focus: "just restart the intern's" });
    expect(readPeople("alice's laptop is slow, can you restart mine?").focus).toBe('can you restart mine?');
    expect(readPeople('alice says she can’t log in, reset her password').excluded).toEqual([]);
  });
});

describe('descriptions, bulk requests and lists', () => {
  test('someone described is recognised; the requester’s own things are not a description', () => {
    expect(describedPerson("my colleague can't log in")).toBe('my colleague');
    expect(describedPerson("someone's laptop was stolen")).toBe('someone');
    expect(describedPerson('reset my password')).toBeNull();
    expect(describedPerson('the vpn client keeps crashing')).toBeNull();
  });

  test('everyone at once is refused, nothing proposed', () => {
    for (const m of ['wipe all laptops', "lock everyone's laptops", 'reset all passwords', "reset the whole team's passwords"]) {
      expect(namesEveryone(m.toLowerCase())).toBe(true);
      expect(plan(m).calls).toEqual([]);
    }
    expect(namesEveryone('hi everyone, my laptop is slow')).toBe(false);
  });

  test('several people: one proposal each, an unknown one asked about', () => {
    expect(targets('reset passwords for alice and the intern')).toEqual(['alice', 'intern']);
    const three = plan('reset passwords for alice, the intern and bob');
    expect(three.calls.map((c) => JSON.parse(c.arguments).user)).toEqual(['alice', 'intern']);
    expect(three.text).toMatch(/don't know anyone called "bob"/);
  });
});
