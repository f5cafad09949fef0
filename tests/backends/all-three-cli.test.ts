import { tempDbPath } from '../support/harness';
import { LoopbackGraph } from '../support/graph-server';
import { LoopbackJira } from '../support/jira-server';
import type { OktaServer } from '../support/okta-server';
import { runEntryAsync } from '../support/processes';
import { oktaOrg } from './okta-world';

// All three real backends at once, through the CLI as a child process: Okta says who people are,
// Intune which devices they own (by email: the two vendors share no ids), Jira holds their tickets.

let okta: OktaServer;
let ids: Awaited<ReturnType<typeof oktaOrg>>['ids'];
let jira: LoopbackJira;
let graph: LoopbackGraph;
let env: Record<string, string>;

const cli = async (as: string, thread: string, text: string) => {
  const r = await runEntryAsync('apps/cli/main.ts', ['--as', as, '--thread', thread, '--json', text], env);
  if (r.code !== 0) throw new Error(`cli exited ${r.code}: ${r.stderr}`);
  for (const secret of [okta.token, jira.apiToken, graph.clientSecret]) expect(r.stdout + r.stderr).not.toContain(secret);
  return JSON.parse(r.stdout.trim()) as {
    reply: string;
    proposals: Array<{ tool: string; args: Record<string, unknown>; decision: string }>;
    executed: Array<{ tool: string; ok: boolean; output: Record<string, unknown> }>;
  };
};

beforeEach(async () => {
  ({ okta, ids } = await oktaOrg());
  jira = await LoopbackJira.start({ projectKey: 'HELP', firstNumber: 7 });
  graph = await LoopbackGraph.start();
  graph.addDevice({ deviceName: 'LAPTOP-ALICE-01', userPrincipalName: 'alice@example.com' });
  graph.addDevice({ deviceName: 'LAPTOP-INTERN-01', userPrincipalName: 'intern@example.com' });
  env = {
    SENTINEL_DB: tempDbPath(),
    SENTINEL_LLM: 'offline',
    SENTINEL_IDENTITY: 'okta',
    OKTA_ORG_URL: okta.url,
    OKTA_API_TOKEN: okta.token,
    SENTINEL_TICKETS: 'jira',
    JIRA_BASE_URL: jira.url,
    JIRA_EMAIL: jira.email,
    JIRA_API_TOKEN: jira.apiToken,
    JIRA_PROJECT_KEY: jira.projectKey,
    SENTINEL_MDM: 'intune',
    INTUNE_TENANT_ID: graph.tenantId,
    INTUNE_CLIENT_ID: graph.clientId,
    INTUNE_CLIENT_SECRET: graph.clientSecret,
    GRAPH_API_URL: graph.graphUrl,
    GRAPH_LOGIN_URL: graph.loginUrl,
  };
});

afterEach(async () => {
  expect(graph.violations).toEqual([]);
  await Promise.all([okta.stop(), jira.close(), graph.close()]);
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

// Remains of issue 13: the offline planner still reads only IT- keys (machines/llm), so "status of HELP-7"
// proposes nothing with Jira's keys. When the planner takes the backend's keyPattern this starts passing:
// make it a plain test then.
test.failing('the offline planner reads the Tickets backend’s key format ("status of HELP-7")', async () => {
  await cli('alice@example.com', 't', "open a ticket: the projector in room 4 won't connect");
  const status = await cli('alice@example.com', 's', 'status of HELP-7');
  expect(status.executed).toEqual([expect.objectContaining({ tool: 'check_ticket_status', ok: true, output: expect.objectContaining({ ticket_id: 'HELP-7' }) })]);
});
