import { budgetNoticeText, noticeDue, noticeKey, noticeKeyPrefix, noticeTime } from './budget-notice';
import type { Budget } from './schema';

const budget = (over: Partial<Budget> = {}): Budget => ({
  id: 'wipes-per-hour',
  tools: ['execute_remote_command'],
  when: { command: ['wipe'] },
  max: 3,
  window_minutes: 60,
  then: { effect: 'require_approval', approvals: 2 },
  ...over,
});
const HOUR = 3_600_000;

describe('budget notices', () => {
  test('due the first time, not again within the window, again once a whole window has passed', () => {
    expect(noticeDue(budget(), null, 5 * HOUR)).toBe(true);
    expect(noticeDue(budget(), 5 * HOUR, 5 * HOUR)).toBe(false);
    expect(noticeDue(budget(), 5 * HOUR, 6 * HOUR - 1)).toBe(false);
    expect(noticeDue(budget(), 5 * HOUR, 6 * HOUR)).toBe(true);
    expect(noticeDue(budget({ window_minutes: 1440 }), 5 * HOUR, 6 * HOUR)).toBe(false);
  });

  test('a key holds its window’s start; no budget id is a prefix of another’s keys', () => {
    expect(noticeKey('wipes-per-hour', 1234)).toBe('budget:wipes-per-hour:1234');
    expect(noticeTime('wipes-per-hour', noticeKey('wipes-per-hour', 1234))).toBe(1234);
    expect(noticeTime('a', noticeKey('a:b', 1234))).toBeNull();
    expect(noticeKey('a:b', 1).startsWith(noticeKeyPrefix('a'))).toBe(false);
    expect(noticeTime('a', null)).toBeNull();
    expect(noticeTime('a', 'budget:a:not-a-number')).toBeNull();
  });

  test('the text names the budget, its limit, what reaching it does, and the request that reached it', () => {
    expect(budgetNoticeText(budget(), { requester: 'sam', what: 'wipe LAPTOP-X', decision: 'require_approval' })).toBe(
      '⚠️ Organisation-wide limit "wipes-per-hour" reached: 3 execute_remote_command (command: wipe) per hour. sam asked to wipe LAPTOP-X, and it now waits for approval; ' +
        'until fewer than 3 ran in the last hour, every further one needs 2 approvals. (Admins are told once per hour for this limit.)',
    );
    expect(budgetNoticeText(budget({ tools: '*', when: undefined, then: { effect: 'deny' }, window_minutes: 1440 }), { requester: 'alice', what: 'x', decision: 'deny' })).toMatch(
      /3 actions per day\. alice asked to x, and it was refused; until fewer than 3 ran in the last day, every further one is refused/,
    );
    expect(budgetNoticeText(budget({ max: 0 }), { requester: 'alice', what: 'x', decision: 'deny' })).toMatch(/it was refused; the limit allows none, so every further one needs 2 approvals\./);
  });
});
