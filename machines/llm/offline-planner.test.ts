import type { DialogueState } from '../types';
import { personMentions } from './mentions';
import { offlinePlan } from './offline-planner';
import type { ProposeRequest, RequesterProfile, ResolvedPerson } from './provider';

const intern = { id: 'intern', role: 'employee' as const, email: 'intern@example.com', name: 'Ivy Intern', devices: ['LAPTOP-INTERN-01'] };
const SYSTEMS = ['aws-prod', 'github', 'salesforce', 'vpn'];
// The demo directory as the propose actor resolves it (by id or email).
const PEOPLE: Record<string, { id: string; name: string; devices: string[] }> = {
  intern: { id: 'intern', name: 'Ivy Intern', devices: ['LAPTOP-INTERN-01'] },
  alice: { id: 'alice', name: 'Alice Anders', devices: ['LAPTOP-ALICE-01'] },
  sam: { id: 'sam', name: 'Sam Okafor (IT)', devices: ['LAPTOP-SAM-01'] },
  dana: { id: 'dana', name: 'Dana Two-Laptops', devices: ['LAPTOP-DANA-01', 'TABLET-DANA-02'] },
};
const lookup = (mention: string) => PEOPLE[mention.replace(/@example\.com$/, '')] ?? null;
function resolve(message: string, dialogue?: DialogueState | null): ResolvedPerson[] {
  const mentions = personMentions(message.toLowerCase(), SYSTEMS).map((m) => m.text);
  if (dialogue?.lastPerson) mentions.push(dialogue.lastPerson);
  return mentions.map((mention) => ({ mention, person: lookup(mention) }));
}
const plan = (message: string, history: ProposeRequest['history'] = [], requester: RequesterProfile = intern, dialogue: DialogueState | null = null) =>
  offlinePlan({ requester, history, message, systemIds: SYSTEMS, people: resolve(message, dialogue), dialogue });
const calls = (message: string, requester: RequesterProfile = intern, dialogue: DialogueState | null = null) =>
  plan(message, [], requester, dialogue).calls.map((c) => ({ name: c.name, args: JSON.parse(c.arguments) }));
const sam = { id: 'sam', role: 'admin' as const, email: 'sam@example.com', name: 'Sam Okafor (IT)', devices: ['LAPTOP-SAM-01'] };
const cto = { id: 'cto', role: 'admin' as const, email: 'cto@example.com', name: 'Casey Tran (CTO)', devices: ['LAPTOP-CTO-01'] };

const DEV = { device_id: 'LAPTOP-INTERN-01' };

describe('offline planner', () => {
  test.each([
    'reset my password',
    'I forgot my password',
    'Forgot password!!',
    'my password expired',
    "I'm locked out of my account",
    "can't log in to anything",
    'cannot sign in since this morning',
    'please help me change my password',
    'I need a new password',
    'my credentials stopped working',
    'Password reset please',
  ])('password: %s', (m) => expect(calls(m)).toEqual([{ name: 'reset_password', args: { user: 'intern' } }]));

  test.each([
    'my laptop is slow',
    'My computer keeps freezing',
    'laptop is really sluggish today',
    'can you check my laptop?',
    'run a diagnostic on my machine',
    'my battery drains super fast',
    'disk is full on my mac',
    'Is my device compliant?',
    'my laptop is overheating and the fan is loud',
    'computer crashes every hour',
  ])('diagnostic: %s', (m) => expect(calls(m)).toEqual([{ name: 'run_device_diagnostic', args: DEV }]));

  test.each([
    ['lock my laptop', 'lock'],
    ['please lock my computer now', 'lock'],
    ['restart my laptop', 'restart'],
    ['reboot my machine please', 'restart'],
    ['wipe my laptop', 'wipe'],
    ['wipe my stolen laptop', 'wipe'],
    ['please erase my device', 'wipe'],
    ['factory reset my laptop', 'wipe'],
    ['my laptop was stolen', 'lock'],
    ['I lost my laptop on the train', 'lock'],
  ])('remote command: %s', (m, command) => expect(calls(m)).toEqual([{ name: 'execute_remote_command', args: { ...DEV, command } }]));

  test('explicit device ids win over the requester’s device', () => {
    expect(calls('wipe LAPTOP-ALICE-01')).toEqual([{ name: 'execute_remote_command', args: { device_id: 'LAPTOP-ALICE-01', command: 'wipe' } }]);
    expect(calls('run diagnostics on laptop-sam-01')).toEqual([{ name: 'run_device_diagnostic', args: { device_id: 'LAPTOP-SAM-01' } }]);
  });

  test("negations are respected: don't wipe", () => {
    expect(calls("don't wipe my laptop, just lock it").map((c) => c.args.command)).toEqual(['lock']);
  });

  test.each([
    ['I need read access to aws-prod', 'aws-prod', 'read', 8],
    ['give me admin access to AWS production for 4 hours', 'aws-prod', 'admin', 4],
    ['can I get write access to github for 2 days to fix the build', 'github', 'write', 48],
    ['please grant me access to salesforce for 4h', 'salesforce', 'read', 4],
    ['add me to the vpn, write please', 'vpn', 'write', 8],
    ['need read on aws prod and the logs, 2 days', 'aws-prod', 'read', 48],
    ['I need permissions on git hub for a week', 'github', 'read', 168],
  ])('access: %s', (m, system, level, hours) => {
    const [c] = calls(m);
    expect(c).toMatchObject({ name: 'provision_access', args: { user: 'intern', system, level, duration_hours: hours } });
    expect(c!.args.reason.length).toBeGreaterThan(0);
  });

  test.each(['I need access to aws-prod', 'please grant me access to salesforce', 'add me to the vpn'])(
    'access naming neither level nor duration asks for them: %s',
    (m) => {
      const p = plan(m);
      expect(p.calls).toEqual([]);
      expect(p.text).toMatch(/read or write .*how long/i);
      expect(p.dialogue?.pending).toMatchObject({ tool: 'provision_access', missing: ['level'] });
    },
  );

  test('"and" is not "a d(ay)": durations need a number or a number word before the unit', () => {
    expect(calls('give me read access to github and the vpn')[0]).toMatchObject({ args: { duration_hours: 8 } });
  });

  test('access without a system asks which one', () => {
    const p = plan('I need access');
    expect(p.calls).toEqual([]);
    expect(p.text).toMatch(/which system/i);
  });

  test.each([
    ['what is the status of IT-1042?', 'IT-1042'],
    ['any update on ticket 1041', 'IT-1041'],
    ['IT-1042', 'IT-1042'],
    ["what's happening with it-1041", 'IT-1041'],
  ])('ticket status: %s', (m, id) => expect(calls(m)).toEqual([{ name: 'check_ticket_status', args: { ticket_id: id } }]));

  test.each([
    ['open a ticket: my monitor flickers', 'medium'],
    ['please file a ticket, VPN is down, urgent', 'urgent'],
    ['I want to talk to a human', 'medium'],
    ['escalate this please, it is blocking me', 'high'],
  ])('ticket creation: %s', (m, priority) => {
    const [c] = calls(m);
    expect(c).toMatchObject({ name: 'create_support_ticket', args: { priority } });
    expect(c!.args.summary.length).toBeGreaterThan(3);
  });

  test.each([
    ['the printer on floor 3 is jammed', 'medium'],
    ['my keyboard is broken, no rush', 'low'],
    ["the projector won't connect", 'medium'],
  ])('a problem reported is offered a ticket; "yes" files it, "no" does not: %s', (m, priority) => {
    const offer = plan(m);
    expect(offer.calls).toEqual([]);
    expect(offer.text).toMatch(/open a ticket .* Shall I\?/);
    const history = [{ role: 'user' as const, content: m, author: 'intern' }, { role: 'assistant' as const, content: offer.text! }] as ProposeRequest['history'];
    const yes = offlinePlan({ requester: intern, history, message: 'yes please', systemIds: SYSTEMS, people: [], dialogue: offer.dialogue });
    expect(yes.calls.map((c) => ({ name: c.name, args: JSON.parse(c.arguments) }))).toEqual([
      { name: 'create_support_ticket', args: expect.objectContaining({ priority, description: m }) },
    ]);
    const no = offlinePlan({ requester: intern, history, message: 'no thanks', systemIds: SYSTEMS, people: [], dialogue: offer.dialogue });
    expect(no).toMatchObject({ calls: [], text: expect.stringMatching(/won't open a ticket/) });
  });

  test('several requests in one message become several proposals', () => {
    expect(calls('reset my password and check my laptop').map((c) => c.name)).toEqual(['reset_password', 'run_device_diagnostic']);
  });

  test('requests for someone else name that person (policy decides)', () => {
    expect(calls("reset alice's password")).toEqual([{ name: 'reset_password', args: { user: 'alice' } }]);
    expect(calls('password reset for alice@example.com')).toEqual([{ name: 'reset_password', args: { user: 'alice' } }]);
  });

  describe('never acts on the requester when another person was named', () => {
    test.each([
      ['restart alice\'s laptop please', intern, { device_id: 'LAPTOP-ALICE-01', command: 'restart' }],
      ['wipe alice\'s laptop', intern, { device_id: 'LAPTOP-ALICE-01', command: 'wipe' }],
      ['lock alice\'s laptop, she lost it at the airport', sam, { device_id: 'LAPTOP-ALICE-01', command: 'lock' }],
      ['lock the intern\'s laptop', sam, { device_id: 'LAPTOP-INTERN-01', command: 'lock' }],
    ])('%s', (message, requester, args) => expect(calls(message, requester)).toEqual([{ name: 'execute_remote_command', args }]));

    test('access for someone else is for them', () => {
      expect(calls('give intern write access to salesforce for 4 hours', cto)).toEqual([
        { name: 'provision_access', args: expect.objectContaining({ user: 'intern', system: 'salesforce', level: 'write', duration_hours: 4 }) },
      ]);
    });

    test('an unknown person gets a question, not a proposal for someone else', () => {
      for (const m of ["reset bob's password", 'reset the password for bob@example.com', "wipe bob's laptop", 'give bob access to github']) {
        const p = plan(m, [], sam);
        expect(p.calls).toEqual([]);
        expect(p.text).toMatch(/don't know anyone called "bob/);
      }
    });

    test('"her laptop" follows the person named before; with nobody named it asks whose', () => {
      // Someone else's device reported lost, nothing asked: offered, not locked unasked.
      const first = plan('alice lost her laptop', [], sam);
      expect(first.calls).toEqual([]);
      expect(first.text).toMatch(/Shall I lock LAPTOP-ALICE-01/);
      expect(calls('wipe it', sam, first.dialogue)).toEqual([{ name: 'execute_remote_command', args: { device_id: 'LAPTOP-ALICE-01', command: 'wipe' } }]);
      expect(calls('restart her laptop', sam, first.dialogue)).toEqual([{ name: 'execute_remote_command', args: { device_id: 'LAPTOP-ALICE-01', command: 'restart' } }]);
      const unclear = plan('restart her laptop', [], sam);
      expect(unclear.calls).toEqual([]);
      expect(unclear.text).toMatch(/Whose/);
    });

    test('an answer to "which system?" that names someone else is for them, never the requester', () => {
      const asked = plan('I need access', [], sam);
      const forAlice = plan('alice needs github', [], sam, asked.dialogue);
      expect(forAlice.dialogue?.pending?.args).toMatchObject({ user: 'alice', system: 'github' });
      const done = plan('read for 8 hours', [], sam, forAlice.dialogue);
      expect(done.calls.map((c) => JSON.parse(c.arguments))).toEqual([expect.objectContaining({ user: 'alice', system: 'github', level: 'read' })]);
      const bob = plan("it's for bob", [], sam, asked.dialogue);
      expect(bob.calls).toEqual([]);
      expect(bob.text).toMatch(/don't know anyone called "bob"/);
    });

    test('a person with two devices: it asks which, and the answer completes the request', () => {
      const ask = plan("wipe dana's laptop", [], sam);
      expect(ask.calls).toEqual([]);
      expect(ask.text).toMatch(/LAPTOP-DANA-01, TABLET-DANA-02/);
      expect(calls('TABLET-DANA-02', sam, ask.dialogue)).toEqual([{ name: 'execute_remote_command', args: { device_id: 'TABLET-DANA-02', command: 'wipe' } }]);
    });
  });

  test('slot filling: "I need access" → which system → which level → a proposal; "cancel" drops it', () => {
    const first = plan('I need access');
    expect(first.calls).toEqual([]);
    expect(first.text).toMatch(/Which system/);
    const second = plan('github', [], intern, first.dialogue);
    expect(second.calls).toEqual([]);
    expect(second.text).toMatch(/read or write/);
    expect(calls('read for 8 hours', intern, second.dialogue)).toEqual([
      { name: 'provision_access', args: { user: 'intern', system: 'github', level: 'read', duration_hours: 8, reason: expect.any(String) } },
    ]);
    expect(plan('never mind', [], intern, second.dialogue)).toMatchObject({ calls: [], text: expect.stringMatching(/dropped/) });
  });

  test('greetings and unknown requests get text, not actions', () => {
    expect(plan('hi').calls).toEqual([]);
    expect(plan('hello!').text).toMatch(/reset your password/);
    const unsure = plan('the quarterly numbers look odd');
    expect(unsure.calls).toEqual([]);
    expect(unsure.text).toMatch(/open a ticket/);
  });

  test('"yes" after an offered ticket opens it with the earlier message', () => {
    const history = [
      { role: 'user' as const, content: 'the quarterly numbers look odd' },
      { role: 'assistant' as const, content: plan('the quarterly numbers look odd').text! },
    ];
    const p = plan('yes please', history);
    expect(p.calls).toHaveLength(1);
    expect(JSON.parse(p.calls[0]!.arguments)).toMatchObject({ summary: 'the quarterly numbers look odd' });
  });

  test('no device: asks instead of guessing', () => {
    const p = offlinePlan({ requester: { ...intern, devices: [] }, history: [], message: 'my laptop is slow' });
    expect(p.calls).toEqual([]);
    expect(p.text).toMatch(/device/);
  });
});

describe('read-only questions are answered, never turned into requests', () => {
  test.each([
    ['what access do I have?', 'list_my_access'],
    ['show my permissions', 'list_my_access'],
    ['do I still have github access?', 'list_my_access'],
    ['can you show what i have access to', 'list_my_access'],
    ['my open tickets', 'list_my_tickets'],
    ['what tickets do I have', 'list_my_tickets'],
    ['show me my tickets', 'list_my_tickets'],
    ['what approvals are waiting for me?', 'list_pending_approvals'],
    ['anything to approve?', 'list_pending_approvals'],
    ['pending approvals', 'list_pending_approvals'],
  ])('%s', (m, tool) => expect(calls(m)).toEqual([{ name: tool, args: {} }]));

  test('asking for access is still a request', () => {
    expect(calls('I need read access to github').map((c) => c.name)).toEqual(['provision_access']);
    expect(calls('status of IT-1042').map((c) => c.name)).toEqual(['check_ticket_status']);
  });
});

describe('mentions found in other phrasings', () => {
  test.each([
    ["alice's laptop was stolen, lock it", { device_id: 'LAPTOP-ALICE-01', command: 'lock' }],
    ['restart the laptop of alice', { device_id: 'LAPTOP-ALICE-01', command: 'restart' }],
    ['restart laptop for alice', { device_id: 'LAPTOP-ALICE-01', command: 'restart' }],
  ])('%s', (m, args) => expect(calls(m)).toEqual([{ name: 'execute_remote_command', args }]));

  test('a name before what it owns, and a sentence starting with a name', () => {
    expect(calls('reset alice password', sam)).toEqual([{ name: 'reset_password', args: { user: 'alice' } }]);
    const lost = plan('heads up, alice lost her laptop at the airport', [], sam);
    expect(lost.calls).toEqual([]);
    expect(lost.text).toMatch(/Shall I lock LAPTOP-ALICE-01/);
    // "yes" locks exactly what was offered.
    expect(plan('yes', [], sam, lost.dialogue).calls.map((c) => JSON.parse(c.arguments))).toEqual([{ device_id: 'LAPTOP-ALICE-01', command: 'lock' }]);
  });

  test('"lock it" with nothing talked about before asks which device instead of taking the requester’s', () => {
    const p = offlinePlan({ requester: sam, history: [{ role: 'user', content: 'hi', author: 'sam' } as never], message: 'lock it', systemIds: SYSTEMS, people: [], dialogue: null });
    expect(p.calls).toEqual([]);
    expect(p.text).toMatch(/Whose/);
  });
});

describe('what a speech act plans is planned once', () => {
  // An offer's request read for its act again was offered again, without end: the turn failed as if the
  // LLM were unreachable (second newcomer trial).
  test.each(['my friend told me to wipe my laptop, should I?', 'my friend told me to restart my laptop, should I?', 'should I restart my laptop?'])('%s is answered, nothing runs', (message) => {
    const p = plan(message);
    expect(p.calls).toEqual([]);
    expect(p.text).toMatch(/wipe|restart/i);
  });
});
