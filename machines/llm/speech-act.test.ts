import { classifySpeechAct, relationOf, vagueItQuestion } from './speech-act';

// The speech-act classifier on its own (pure): what each message does with the action it names.
const act = (text: string) => classifySpeechAct(text, { systems: ['github', 'vpn', 'aws-prod', 'salesforce'], isName: (w) => ['alice', 'intern', 'bob'].includes(w) });

describe('speech acts', () => {
  test.each([
    'reset my password',
    'can you restart my laptop?',
    'could you reset my password please?',
    'would you lock my laptop, i lost it',
    'if possible, restart my laptop',
    'how do i reset my password?',
    "sam said i should lock my laptop",
    'give alice read or write access to github for 4 hours',
    'lock my laptop or wipe it, whatever works',
    'restart my laptop, i mean it\'s really slow',
    'cancel my access request',
    "i asked it to reset my password but i didn't get the email",
    "i don't need admin access, just read on github",
    'lol my laptop is so slow, can you restart it',
    'i need github read access for tomorrow',
    'i need github read access for the day',
    'give me github read access until tomorrow',
    'restart my laptop now',
    'erase everything on my laptop',
    'alice told me to reset my password',
  ])('%s → a request', (text) => {
    expect(act(text)).toEqual({ act: 'request' });
  });

  test.each([
    ["remove alice's vpn access", 'revocation'],
    ['unlock my laptop', 'unlock'],
    ['can you remove the lock on my laptop', 'unlock'],
    ['take the lock off laptop-alice-01', 'unlock'],
    ["take away my aws-prod admin access please, i don't need it", 'revocation'],
    ["revoke the intern's github access", 'revocation'],
    ['i no longer need github access', 'revocation'],
    ['remove me from github', 'revocation'],
    ["alice's laptop is ok. lock it anyway? no wait, don't", 'retracted'],
    ['restart my laptop, actually never mind', 'retracted'],
    ['alice asked me to lock her laptop but i said no', 'declined'],
    ['the intern wanted his password reset, but he fixed it himself', 'declined'],
    ['tell alice to restart her laptop', 'relayed'],
    ['alice said "restart my laptop"', 'quoted'],
    ["restart either alice's laptop or mine", 'either'],
    ["lock alice or the intern's laptop, not sure which", 'either'],
    ['reset the password for all interns', 'bulk'],
    ["what happens if you lock alice's laptop?", 'question'],
    ['what happens to my files if you wipe my laptop?', 'question'],
    ['is it safe to restart my laptop now?', 'question'],
    ['last week someone reset my password, was that you?', 'question'],
    ['how do i wipe my laptop?', 'question'],
    ['can you explain what wipe does?', 'question'],
    ['if my laptop gets stolen, would you wipe it?', 'question'],
    ["should i wipe alice's laptop?", 'question'],
    ['reset my password, also what happens if you wipe my laptop?', 'mixed'],
    ['great, another password reset, just what i needed /s', 'joke'],
    ['reset my password? nah just kidding', 'joke'],
    ["haha yeah sure, just wipe alice's laptop, that'll fix it 🙄", 'joke'],
    ['lol wipe everything', 'joke'],
    ['restart my laptop jk', 'joke'],
    ['wipe everything', 'bulk'],
    ['lock all of it', 'bulk'],
    ['restart my laptop tomorrow morning', 'future'],
    ['remind me to reset my password on friday', 'future'],
    ["i'm going to reset my password tomorrow", 'future'],
    ['i might need vpn access for 8 hours next week', 'future'],
    ["i'll need github access next week", 'future'],
    ["restart my laptop unless it's locked", 'conditional'],
    ['what would you do if i said wipe my laptop', 'question'],
    ['alice: reset my password', 'quoted'],
    ['alice wrote: wipe my laptop', 'quoted'],
    ['msg from sam -> pls restart my laptop', 'quoted'],
    ['alice asked me to restart my laptop', 'quoted'],
    ['restart my laptop or reset my password... actually neither', 'retracted'],
    ['reset my password, forget it', 'retracted'],
    ['restart my laptop. never mind', 'retracted'],
    ['again', 'again'],
    ['again pls', 'again'],
  ])('%s → %s', (text, kind) => {
    expect(act(text).act).toBe(kind);
  });

  test('a correction is applied to the request it corrects', () => {
    expect(act("restart alice's laptop, no wait, mine")).toEqual({ act: 'corrected', message: 'restart my laptop' });
    expect(act("reset my password, sorry, i meant alice's")).toEqual({ act: 'corrected', message: "reset alice's password" });
    expect(act("lock alice's laptop, no wait, restart it")).toEqual({ act: 'corrected', message: "restart alice's laptop" });
    expect(act('give alice read access to github, no wait, the intern')).toEqual({ act: 'corrected', message: 'give the intern read access to github' });
    expect(act("restart alice's laptop, no wait, let me think")).toEqual({ act: 'unclear-correction' });
  });

  test('questions offer the request they are about, never for a wipe frame they cannot name', () => {
    expect(act("what happens if you lock alice's laptop?")).toMatchObject({ kind: 'hypothetical', action: 'lock', request: "lock alice's laptop" });
    expect(act('my laptop is frozen, should i restart it?')).toMatchObject({ kind: 'advice', action: 'restart', request: 'my laptop is frozen, restart it' });
    expect(act('if my laptop gets stolen, would you wipe it?')).toMatchObject({ action: 'wipe', request: null });
    expect(act("was alice's password reset? if not, reset it")).toMatchObject({ kind: 'past', action: 'password', request: expect.stringContaining("alice's password") });
  });

  test('a conditional part is left out; the plain part is kept', () => {
    expect(act("my laptop is slow. if it's still slow tomorrow, restart it")).toEqual({ act: 'conditional', rest: 'my laptop is slow.' });
    expect(act('what would you do if i said wipe my laptop')).toMatchObject({ kind: 'hypothetical', action: 'wipe', request: null });
    expect(act('if possible, restart my laptop')).toEqual({ act: 'request' });
  });

  test("a relation of a named person is a description, not that person", () => {
    expect(relationOf("lock alice's manager's laptop", 'alice')).toBe("alice's manager");
    expect(relationOf("alice's intern can't log in", 'alice')).toBe("alice's intern");
    expect(relationOf("lock alice's laptop", 'alice')).toBeNull();
    expect(relationOf("lock the intern's laptop", 'intern')).toBeNull();
  });

  test('"wipe it" with nothing before it asks which device; "lock it" is the requester\'s only device when they say "my"', () => {
    expect(vagueItQuestion('wipe', true, ['LAPTOP-INTERN-01'], 'wipe it, it is mine')).toMatch(/Which device should I wipe\?/);
    expect(vagueItQuestion('wipe', true, ['LAPTOP-SAM-01'], "wipe my dell, i'm reinstalling it")).toBeNull();
    expect(vagueItQuestion('lock', false, ['LAPTOP-INTERN-01'], 'lock it')).toMatch(/Which device should I lock\?/);
    expect(vagueItQuestion('lock', true, ['LAPTOP-INTERN-01'], "lock it, it's mine")).toBeNull();
    expect(vagueItQuestion('lock', true, ['A-01', 'B-01'], "lock it, it's mine")).toMatch(/A-01, B-01/);
  });
});
