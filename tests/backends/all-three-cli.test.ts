import { cliJson, jiraAndGraph, oktaEnv, type JiraAndGraph } from '../support/backend-env';
import { tempDbPath } from '../support/harness';
import type { OktaServer } from '../support/okta-server';
import { oktaOrg } from './okta-world';

// All three real backends at once, through the CLI as a child process: Okta says who people are,
// Intune which devices they own (by email: the two vendors share no ids), Jira holds their tickets.

let okta: OktaServer;
let ids: Awaited<ReturnType<typeof oktaOrg>>['ids'];
let vendors: JiraAndGraph;
let env: Record<string, string>;

const cli = (as: string, thread: string, text: string) =>
  cliJson(['--as', as, '--thread', thread, '--json', text], env, [okta.token, vendors.jira.apiToken, vendors.graph.clientSecret]);

beforeEach(async () => {
  ({ okta, ids } = await oktaOrg());
  vendors = await jiraAndGraph({ jira: { projectKey: 'HELP', firstNumber: 7 } });
  vendors.graph.addDevice({ deviceName: 'LAPTOP-ALICE-01', userPrincipalName: 'alice@example.com' });
  vendors.graph.addDevice({ deviceName: 'LAPTOP-INTERN-01', userPrincipalName: 'intern@example.com' });
  env = { SENTINEL_DB: tempDbPath(), SENTINEL_LLM: 'offline', ...oktaEnv(okta), ...vendors.env };
});

afterEach(async () => {
  await Promise.all([okta.stop(), vendors.close()]);
});

test('an Okta user locks their own Intune laptop; another employee may not lock it', async () => {
  const mine = await cli('alice@example.com', 'a', 'lock my laptop');
  expect(mine.proposals).toEqual([expect.objectContaining({ tool: 'execute_remote_command', args: { device_id: 'LAPTOP-ALICE-01', command: 'lock' }, decision: 'allow' })]);
  expect(mine.executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true, output: expect.objectContaining({ state: 'requested' }) })]);
  expect(mine.reply).toMatch(/asked the MDM to lock LAPTOP-ALICE-01/);
  const other = await cli('intern@example.com', 'b', 'lock LAPTOP-ALICE-01');
  expect(other.executed ?? []).toEqual([]);
  expect(other.proposals.every((p) => p.decision !== 'allow')).toBe(true);
});

test('a ticket opened by an Okta user goes to Jira with a HELP- key and is listed as theirs; the password reset goes to Okta', async () => {
  const opened = await cli('alice@example.com', 't', "open a ticket: the projector in room 4 won't connect");
  expect(opened.executed).toEqual([expect.objectContaining({ tool: 'create_support_ticket', ok: true, output: expect.objectContaining({ ticket_id: 'HELP-7' }) })]);
  const listed = await cli('alice@example.com', 'l', 'my open tickets');
  expect(listed.reply).toMatch(/HELP-7 "/);
  expect((await cli('intern@example.com', 'l2', 'my open tickets')).reply).not.toMatch(/HELP-7/);
  const reset = await cli('alice@example.com', 'r', 'reset my password');
  expect(reset.executed).toEqual([expect.objectContaining({ tool: 'reset_password', ok: true })]);
  expect(okta.calls('POST', /reset_password/).map((c) => c.query.get('sendEmail'))).toEqual(['true']);
  expect(okta.calls('POST', /reset_password/)[0]!.path).toContain(ids.alice);
});

// The offline planner reads the configured Tickets backend's keys (Tickets.keyPattern, any case), not IT- only.
test('the offline planner reads the Tickets backend’s key format ("status of HELP-7", "help-7")', async () => {
  await cli('alice@example.com', 't', "open a ticket: the projector in room 4 won't connect");
  const status = await cli('alice@example.com', 's', 'status of HELP-7');
  expect(status.executed).toEqual([expect.objectContaining({ tool: 'check_ticket_status', ok: true, output: expect.objectContaining({ ticket_id: 'HELP-7' }) })]);
  const lower = await cli('alice@example.com', 's2', 'any news on help-7?');
  expect(lower.proposals).toEqual([expect.objectContaining({ tool: 'check_ticket_status', args: { ticket_id: 'HELP-7' } })]);
  // An embedded-style key is not this backend's: it is not read as a ticket (nor as a device).
  const it = await cli('alice@example.com', 's3', 'status of IT-1042');
  expect(it.proposals.filter((p) => p.tool === 'check_ticket_status')).toEqual([]);
});
