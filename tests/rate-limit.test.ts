import { call, openSentinel, scriptedLlm, testClock } from './support/harness';

describe('tool calls per user per hour', () => {
  test('over the limit a call is denied with a clear reply and an audit entry; the window rolls; others are unaffected', async () => {
    const clock = testClock();
    const s = openSentinel({ now: clock.now, env: { SENTINEL_TOOL_CALLS_PER_HOUR: '3' } });
    const alice = await s.identify('alice');
    for (let i = 0; i < 3; i++) {
      const r = await s.runner.handleMessage(`t${i}`, alice, 'reset my password');
      expect(r.proposals[0]!.decision).toBe('allow');
      clock.advance(60_000);
    }
    const limited = await s.runner.handleMessage('t3', alice, 'reset my password');
    expect(limited.proposals[0]).toMatchObject({ decision: 'deny' });
    expect(limited.reply).toMatch(/limit of 3 actions per hour\. Please try again after 10:00 UTC/);
    expect(limited.executed).toHaveLength(0);
    const audit = s.database.sqlite.prepare("select data from audit where kind = 'proposal_decided' order by seq desc limit 1").get() as { data: string };
    expect(JSON.parse(audit.data)).toMatchObject({ decision: 'deny', rule: 'rate-limit' });
    // Requests that need approval count too; denials do not.
    const intern = await s.identify('intern');
    expect((await s.runner.handleMessage('i1', intern, 'reset my password')).proposals[0]!.decision).toBe('allow');
    // An hour after the first call, one slot is free again (the window is the last 60 minutes).
    clock.advance(57.5 * 60_000);
    expect((await s.runner.handleMessage('t4', alice, 'reset my password')).proposals[0]!.decision).toBe('allow');
    expect((await s.runner.handleMessage('t5', alice, 'reset my password')).proposals[0]!.decision).toBe('deny');
    expect(s.database.sqlite.prepare("select count(*) n from password_resets where user_id = 'alice'").get()).toEqual({ n: 4 });
    await s.close();
  });

  test('one message asking for more than the limit gets the first ones and a denial for the rest', async () => {
    const llm = scriptedLlm([{ text: null, calls: [call('reset_password', { user: 'alice' }), call('run_device_diagnostic', { device_id: 'LAPTOP-ALICE-01' })] }]);
    const s = openSentinel({ llm: llm.provider, env: { SENTINEL_TOOL_CALLS_PER_HOUR: '1' } });
    const r = await s.runner.handleMessage('t', await s.identify('alice'), 'reset my password and check my laptop');
    expect(r.proposals.map((p) => p.decision)).toEqual(['allow', 'deny']);
    expect(r.proposals[1]!.reason).toMatch(/limit of 1 actions per hour/);
    await s.close();
  });
});
