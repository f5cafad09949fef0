import Database from 'better-sqlite3';
import { cliJson, jiraAndGraph, jiraEnv } from './support/backend-env';
import type { LoopbackGraph } from './support/graph-server';
import { tempDbPath } from './support/harness';
import { LoopbackJira } from './support/jira-server';
import { runEntryAsync } from './support/processes';

// End to end: the CLI as a child process with SENTINEL_TICKETS=jira and SENTINEL_MDM=intune, talking
// to the loopback Jira and Graph over real HTTP. The directory is the embedded demo one (intern, alice,
// sam…); their devices and tickets live only in the vendors' servers.

const GiB = 2 ** 30;
let jira: LoopbackJira;
let graph: LoopbackGraph;
let close: () => Promise<void>;
let env: Record<string, string>;

const cli = (args: string[]) => cliJson(args, env);

beforeEach(async () => {
  const vendors = await jiraAndGraph({ jira: { projectKey: 'IT', firstNumber: 2001 } });
  ({ jira, graph, close } = vendors);
  env = { SENTINEL_DB: tempDbPath(), LOG_LEVEL: 'warn', ...vendors.env };
  graph.addDevice({
    deviceName: 'LAPTOP-INTERN-01',
    userPrincipalName: 'intern@example.com',
    manufacturer: 'Dell Inc.',
    model: 'Latitude 7440',
    osVersion: '10.0.22631.4460',
    freeStorageSpaceInBytes: 9 * GiB,
    totalStorageSpaceInBytes: 256 * GiB,
    complianceState: 'noncompliant',
    isEncrypted: false,
    lastSyncDateTime: new Date(Date.now() - 30 * 3_600_000).toISOString(),
  });
  graph.addDevice({ deviceName: 'LAPTOP-ALICE-01', userPrincipalName: 'alice@example.com' });
});

// Never the whole tenant (close() checks), and never a secret on stderr or stdout (checked per run below).
afterEach(() => close());

test('"my laptop is slow": a diagnostic from Intune\'s fields, found by the requester\'s email', async () => {
  const r = await cli(['--as', 'intern', '--json', 'my laptop is slow']);
  expect(r.proposals).toEqual([expect.objectContaining({ tool: 'run_device_diagnostic', args: { device_id: 'LAPTOP-INTERN-01' }, decision: 'allow' })]);
  expect(r.executed).toEqual([
    expect.objectContaining({
      tool: 'run_device_diagnostic',
      ok: true,
      output: expect.objectContaining({ device_id: 'LAPTOP-INTERN-01', model: 'Dell Inc. Latitude 7440', disk_free_gb: 9, disk_total_gb: 256, compliant: false }),
    }),
  ]);
  expect(r.reply).toMatch(/Disk almost full: 9 GB free of 256 GB/);
  expect(r.reply).toMatch(/Last MDM check-in was 30 h ago/);
  expect(r.reply).toMatch(/Disk encryption is off/);
  const lists = graph.calls('GET', /\/managedDevices$/).map((q) => q.query.$filter);
  expect(lists).toContain("userPrincipalName eq 'intern@example.com'");
  expect(lists.every((f) => f && f.trim())).toBe(true);
  expect(graph.tokenRequests().length).toBeGreaterThanOrEqual(1);
});

test('"open a ticket": one Jira issue even when Jira\'s answer to the create is lost (the retry finds it by its key label); its requester and admins see it, others are refused', async () => {
  // Jira makes the issue, then the answer is lost: the adapter looks its label up and finds it.
  jira.fail({ method: 'POST', path: /^\/rest\/api\/3\/issue$/, status: 502, afterProcessing: true });
  const r = await cli(['--as', 'intern', '--thread', 't-ticket', '--json', "open a ticket: the projector in room 4 won't connect"]);
  expect(r.executed).toEqual([expect.objectContaining({ tool: 'create_support_ticket', ok: true, output: expect.objectContaining({ ticket_id: 'IT-2001' }) })]);
  expect(r.reply).toMatch(/IT-2001/);
  expect(jira.created()).toHaveLength(1);
  expect(jira.calls('POST', /^\/rest\/api\/3\/issue$/)).toHaveLength(1);
  const issue = jira.created()[0]!;
  expect(issue.labels).toEqual(expect.arrayContaining(['sentinel', 'sentinel-for-intern']));
  expect(JSON.stringify(issue.description)).toMatch(/Conversation with Sentinel/);
  // IT can find the conversation: the CLI's thread is named in the description.
  expect(JSON.stringify(issue.description)).toContain('Conversation: Sentinel CLI thread \\"t-ticket\\".');

  // The requester sees it; someone else is refused; an admin may look.
  const mine = await cli(['--as', 'intern', '--json', 'status of IT-2001']);
  expect(mine.executed).toEqual([expect.objectContaining({ tool: 'check_ticket_status', ok: true, output: expect.objectContaining({ ticket_id: 'IT-2001', status: 'To Do' }) })]);
  const other = await cli(['--as', 'alice', '--json', 'status of IT-2001']);
  expect(other.executed).toEqual([]);
  expect(other.proposals).toEqual([expect.objectContaining({ tool: 'check_ticket_status', decision: 'deny' })]);
  const admin = await cli(['--as', 'sam', '--json', 'status of IT-2001']);
  expect(admin.executed).toEqual([expect.objectContaining({ ok: true })]);
  expect(jira.created()).toHaveLength(1);
});

test('a wipe after approval: exactly one POST wipe, and the reply says it was requested, not done', async () => {
  const asked = await cli(['--as', 'intern', '--thread', 't-wipe', '--json', 'wipe my laptop']);
  expect(asked.state).toBe('awaiting_approval');
  const id = asked.approvals[0]!.id;
  const device = [...graph.devices.values()].find((d) => d.deviceName === 'LAPTOP-INTERN-01')!;
  expect(graph.actions(device.id, 'wipe')).toHaveLength(0);

  const approved = await cli(['--as', 'sam', '--json', '--approve', id]);
  expect(approved.executed).toEqual([expect.objectContaining({ tool: 'execute_remote_command', ok: true, output: expect.objectContaining({ command: 'wipe', state: 'requested' }) })]);
  expect(approved.reply).toMatch(/asked the MDM to wipe LAPTOP-INTERN-01/);
  expect(approved.reply).not.toMatch(/has been wiped/);
  expect(graph.actions(device.id, 'wipe')).toHaveLength(1);

  // Approving again, or asking again, sends nothing more: the wipe is on its way.
  const twice = await cli(['--as', 'cto', '--json', '--approve', id]);
  expect(twice.executed).toEqual([]);
  const again = await cli(['--as', 'intern', '--json', 'wipe LAPTOP-INTERN-01']);
  expect(again.executed).toEqual([]);
  expect(graph.actions(device.id, 'wipe')).toHaveLength(1);
});

test('killed right after Intune queued an approved wipe: the restart sends nothing more and says it lost track', async () => {
  const asked = await cli(['--as', 'intern', '--thread', 't-crash', '--json', 'wipe my laptop']);
  const id = asked.approvals[0]!.id;
  const device = [...graph.devices.values()].find((d) => d.deviceName === 'LAPTOP-INTERN-01')!;
  const killed = await runEntryAsync('apps/cli/main.ts', ['--as', 'sam', '--json', '--approve', id], { ...env, SENTINEL_CRASH_AT: 'backend_called' });
  // tsx runs the script in a child node process and reports its SIGKILL as exit code 137.
  expect(killed.signal === 'SIGKILL' || killed.code === 137).toBe(true);
  expect(graph.actions(device.id, 'wipe')).toHaveLength(1);
  // Any later run finishes the interrupted turn: in doubt, never re-run.
  const later = await cli(['--as', 'intern', '--thread', 't-crash', '--json', 'what is the status of my request?']);
  expect(JSON.stringify(later)).not.toMatch(/has been wiped/);
  const db = new Database(env.SENTINEL_DB!, { readonly: true });
  const said = db.prepare("select content from messages where role = 'assistant'").all() as Array<{ content: string }>;
  db.close();
  expect(said.some((m) => /lost track of this action/.test(m.content))).toBe(true);
  await cli(['--as', 'cto', '--json', '--approve', id]);
  expect(graph.actions(device.id, 'wipe')).toHaveLength(1);
});

test('a refused Jira token reaches the user as one plain sentence naming the variable; no secret on any output', async () => {
  env = { ...env, JIRA_API_TOKEN: 'ATATT-not-the-right-token-42' };
  const r = await runEntryAsync('apps/cli/main.ts', ['--as', 'intern', '--json', 'open a ticket: my monitor flickers'], { ...env, LOG_LEVEL: 'debug' });
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout.trim());
  expect(out.executed).toEqual([expect.objectContaining({ tool: 'create_support_ticket', ok: false })]);
  expect(out.reply).toMatch(/Jira refused Sentinel's token: ask IT to check JIRA_EMAIL and JIRA_API_TOKEN/);
  for (const s of ['ATATT-not-the-right-token-42', graph.clientSecret, Buffer.from(`${jira.email}:ATATT-not-the-right-token-42`).toString('base64')]) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
  expect(jira.created()).toHaveLength(0);
});

test('JIRA_ISSUE_TYPE: a service-desk project without Task gets its tickets as the type it names', async () => {
  const desk = await LoopbackJira.start({ projectKey: 'SD', issueTypes: ['IT Help', 'Service Request'], firstNumber: 5 });
  try {
    const r = await cliJson(['--as', 'intern', '--json', 'open a ticket: my monitor flickers'], { ...env, ...jiraEnv(desk), JIRA_ISSUE_TYPE: 'IT Help' });
    expect(r.executed).toEqual([expect.objectContaining({ tool: 'create_support_ticket', ok: true, output: expect.objectContaining({ ticket_id: 'SD-5' }) })]);
    expect(desk.created().map((i) => i.issuetype)).toEqual(['IT Help']);
  } finally {
    await desk.close();
  }
});
