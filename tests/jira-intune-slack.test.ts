import { APPROVE_ACTION } from '../apps/slack/blocks/approval-card';
import { jiraAndGraph } from './support/backend-env';
import type { LoopbackGraph } from './support/graph-server';
import type { LoopbackJira } from './support/jira-server';
import { APPROVALS_CHANNEL, PEOPLE, slackFixture, type SlackFixture } from './support/slack-fixture';

// End to end through the Slack app (the unmodified Bolt app against the loopback Slack) with
// SENTINEL_TICKETS=jira and SENTINEL_MDM=intune: tickets and devices live only in the loopback Jira and
// Graph, reached over real HTTP.

const GiB = 2 ** 30;
let jira: LoopbackJira;
let graph: LoopbackGraph;
let closeVendors: () => Promise<void>;
let f: SlackFixture;

beforeEach(async () => {
  const vendors = await jiraAndGraph({ jira: { projectKey: 'IT', firstNumber: 3001 } });
  ({ jira, graph, close: closeVendors } = vendors);
  graph.addDevice({
    deviceName: 'LAPTOP-ALICE-01',
    userPrincipalName: 'alice@example.com',
    freeStorageSpaceInBytes: 5 * GiB,
    totalStorageSpaceInBytes: 128 * GiB,
    complianceState: 'compliant',
  });
  f = await slackFixture({ env: vendors.env });
});

afterEach(async () => {
  await f.close();
  await closeVendors();
});

test('in Slack: a diagnostic from Intune, a Jira ticket, and an approved wipe that is requested once', async () => {
  const slow = f.slack.dm(PEOPLE.alice.id, 'my laptop is slow');
  const [diagnosis] = await f.slack.replies(slow.channel, slow.ts, 1, 15_000);
  expect(diagnosis!.text).toMatch(/LAPTOP-ALICE-01/);
  expect(diagnosis!.text).toMatch(/Disk almost full: 5 GB free of 128 GB/);
  expect(graph.calls('GET', /\/managedDevices$/).map((r) => r.query.$filter)).toContain("userPrincipalName eq 'alice@example.com'");

  const ask = f.slack.dm(PEOPLE.alice.id, "open a ticket: the projector in room 4 won't connect");
  const [opened] = await f.slack.replies(ask.channel, ask.ts, 1, 15_000);
  expect(opened!.text).toMatch(/IT-3001/);
  expect(jira.created()).toHaveLength(1);
  expect(jira.created()[0]!.labels).toContain('sentinel-for-alice');
  // A link to the Slack thread it was asked in: the workspace URL auth.test gave the app, the thread's root.
  expect(JSON.stringify(jira.created()[0]!.description)).toContain(`"href":"https://loopback.slack.com/archives/${ask.channel}/p${ask.ts.replace('.', '')}"`);

  const wipe = f.slack.dm(PEOPLE.alice.id, 'wipe my laptop');
  const [waiting] = await f.slack.replies(wipe.channel, wipe.ts, 1, 15_000);
  expect(waiting!.text).toMatch(/needs approval/);
  const [card] = await f.slack.waitFor(() => {
    const cards = f.slack.botMessages({ channel: APPROVALS_CHANNEL }).filter((m) => (m.blocks ?? []).some((b) => b.type === 'actions'));
    return cards.length ? cards : undefined;
  });
  const device = [...graph.devices.values()][0]!;
  expect(graph.actions(device.id, 'wipe')).toHaveLength(0);
  const approvalId = (card!.blocks!.find((b) => b.type === 'actions')!.elements as Array<{ value: string }>)[0]!.value;
  await f.slack.click(PEOPLE.sam.id, card!, APPROVE_ACTION);
  const thread = await f.slack.replies(wipe.channel, wipe.ts, 2, 15_000);
  expect(thread[1]!.text).toMatch(/asked the MDM to wipe LAPTOP-ALICE-01/);
  expect(thread[1]!.text).not.toMatch(/has been wiped/);
  expect(graph.actions(device.id, 'wipe')).toHaveLength(1);
  // A stale copy of the card clicked again runs nothing more.
  await f.slack.click(PEOPLE.cto.id, card!, APPROVE_ACTION, { value: approvalId });
  await new Promise((r) => setTimeout(r, 300));
  expect(graph.actions(device.id, 'wipe')).toHaveLength(1);
}, 60_000);
