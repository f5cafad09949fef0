import { isTypedConfirmation, typedConfirmation, whichConfirmation } from './confirmation';

const ASKED = '⚠️ This cannot be undone: wipe LAPTOP-SAM-01. Please confirm it yourself before I go ahead (request apr_0123456789abcdef0123, expires in 24 h).';
const mine = [{ id: 'apr_0123456789abcdef0123', what: 'wipe LAPTOP-SAM-01' }];

describe('a typed confirmation', () => {
  test.each(['yes', 'Yes, confirm', 'confirm', 'confirmed.', 'yes please', 'ok go ahead', 'I confirm', 'yes, confirm apr_0123456789abcdef0123', 'yep do it', 'go ahead'])('"%s" confirms', (m) =>
    expect(typedConfirmation(m, ASKED, mine)).toEqual(mine[0]),
  );
  test.each(["don't", 'no', 'yes but not yet', 'yes wipe alice’s laptop', 'yes, and reset my password', 'confirm tomorrow', 'is it confirmed?x', 'wipe it', 'yes lock it instead'])('"%s" does not', (m) =>
    expect(typedConfirmation(m, ASKED, mine)).toBeNull(),
  );
  test('only what the last reply asked, and only when it is the requester’s and still waiting', () => {
    expect(typedConfirmation('yes', 'Anything else?', mine)).toBeNull();
    expect(typedConfirmation('yes', ASKED, [])).toBeNull();
    expect(typedConfirmation('yes', ASKED, [{ id: 'apr_ffffffffffffffffffff', what: 'x' }])).toBeNull();
    expect(isTypedConfirmation('y'.repeat(80))).toBe(false);
    // The reply to a yes whose answer a crash cut short: the request is still waiting, and a yes again confirms it.
    expect(typedConfirmation('yes', 'You confirmed request apr_0123456789abcdef0123 (wipe LAPTOP-SAM-01): checking it again before I go ahead.', mine)).toEqual(mine[0]);
  });

  test('naming the request confirms it whatever was said since; a bare yes then is told which one waits', () => {
    expect(typedConfirmation('yes, confirm apr_0123456789abcdef0123', 'Your laptop looks fine.', mine)).toEqual(mine[0]);
    expect(typedConfirmation('yes', 'Your laptop looks fine.', mine)).toBeNull();
    expect(whichConfirmation('yes', mine)).toMatch(/apr_0123456789abcdef0123 \(wipe LAPTOP-SAM-01\)/);
    expect(whichConfirmation('yes', [])).toBeNull();
    expect(whichConfirmation('lock my laptop', mine)).toBeNull();
  });
});
