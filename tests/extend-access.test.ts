import { openSentinel, testClock } from './support/harness';

// "Extend my access" once the grant has ended: the one that ended last, from Sentinel's grant schedule.

const HOUR = 3_600_000;

test('"extend my access" after the grant ended asks for it again (same system and level, as long as before)', async () => {
  const clock = testClock(Date.parse('2026-12-03T08:00:00Z'));
  const s = openSentinel({ now: clock.now });
  try {
    const granted = await s.runner.handleMessage('g', await s.identify('sam'), 'give intern write access to vpn for 3 hours');
    expect(granted.executed).toEqual([expect.objectContaining({ tool: 'provision_access', ok: true })]);
    clock.advance(4 * HOUR);
    await s.runner.sweep();
    const r = await s.runner.handleMessage('t', await s.identify('intern'), 'extend my access');
    expect(r.proposals).toEqual([expect.objectContaining({ tool: 'provision_access', args: expect.objectContaining({ user: 'intern', system: 'vpn', level: 'write', duration_hours: 3 }) })]);
  } finally {
    await s.close();
  }
});
