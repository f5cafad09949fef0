import { jiraTickets } from '../../tools/backends/jira';
import { LoopbackJira } from '../support/jira-server';
import { describeBackendContract } from './contract';

// The shared contract suite, Tickets section, against the Jira adapter and the loopback Jira.
describeBackendContract(
  'jira',
  async () => {
    const jira = await LoopbackJira.start({ projectKey: 'HELP' });
    const tickets = jiraTickets({
      baseUrl: jira.url,
      email: jira.email,
      apiToken: jira.apiToken,
      projectKey: jira.projectKey,
      indexLagMs: 100,
      http: { timeoutMs: 1000, maxRetries: 2, baseDelayMs: 10, maxDelayMs: 2000 },
    });
    return {
      backends: { tickets },
      tickets: { requester: 'alice' },
      failWith(kind) {
        jira.clearFailures();
        if (kind === 'forbidden') jira.fail({ status: 401, times: 1000 });
        // Longer than the adapter waits: it gives up at once instead of sleeping.
        if (kind === 'rate_limited') jira.fail({ status: 429, retryAfter: 120, times: 1000 });
        if (kind === 'unavailable') jira.fail({ status: 503, times: 1000 });
      },
      secrets: [jira.apiToken, Buffer.from(`${jira.email}:${jira.apiToken}`).toString('base64')],
      close: () => jira.close(),
    };
  },
  ['tickets', 'failures'],
);
