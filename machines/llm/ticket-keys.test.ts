import { offlinePlan } from './offline-planner';
import { isTicketKey, ticketIdsIn } from './ticket-keys';

const intern = { id: 'intern', role: 'employee' as const, email: 'intern@example.com', name: 'Ivy Intern', devices: ['LAPTOP-INTERN-01'] };
const JIRA = { pattern: /^HELP-\d{1,9}$/i, example: 'HELP-1042' };
const alice = { mention: 'alice', person: { id: 'alice', name: 'Alice Anders', devices: ['LAPTOP-ALICE-01'] } };
const plan = (message: string, ticketKeys?: typeof JIRA) => offlinePlan({ requester: intern, history: [], message, systemIds: ['github'], people: [alice], ticketKeys });

describe('ticket keys come from the Tickets backend', () => {
  test.each([
    ['status of HELP-7', ['HELP-7']],
    ['any news on help-7?', ['HELP-7']],
    ['is HELP 12 resolved', ['HELP-12']],
    ['update on ticket 1042 please', ['HELP-1042']],
    ['status of IT-1042', []],
  ])('Jira project HELP: %s', (m, ids) => expect(ticketIdsIn(m, JIRA)).toEqual(ids));

  test('the embedded default is IT-, any case, leading zeros dropped', () => {
    expect(ticketIdsIn('status of it-0042 and IT#1041')).toEqual(['IT-42', 'IT-1041']);
    expect(isTicketKey('help-7', JIRA)).toBe(true);
    expect(isTicketKey('LAPTOP-ALICE-01', JIRA)).toBe(false);
  });

  test('the planner proposes the backend’s key and shows its example; a key is neither a device nor a person', () => {
    expect(plan('status of HELP-7', JIRA).calls).toEqual([{ name: 'check_ticket_status', arguments: JSON.stringify({ ticket_id: 'HELP-7' }) }]);
    expect(plan('status of HELP-7', JIRA).text).toBeNull();
    expect(plan('status of IT-1042', JIRA).calls).toEqual([]);
    expect(plan('what tickets does alice have?', JIRA).text).toMatch(/like HELP-1042\./);
    expect(plan('what tickets does alice have?').text).toMatch(/like IT-1042\./);
  });
});
