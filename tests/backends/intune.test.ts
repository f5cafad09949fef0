import { intuneDevices } from '../../tools/backends/intune';
import { LoopbackGraph } from '../support/graph-server';
import { describeBackendContract } from './contract';

// The shared contract suite, Devices section, against the Intune adapter, the loopback identity
// platform and the loopback Graph.
describeBackendContract(
  'intune',
  async () => {
    const graph = await LoopbackGraph.start();
    graph.addDevice({ deviceName: 'LAPTOP-ALICE-01', userPrincipalName: 'alice@example.com' });
    graph.addDevice({ deviceName: 'LAPTOP-BOB-01', userPrincipalName: 'bob@example.com' });
    const mdm = intuneDevices({
      tenantId: graph.tenantId,
      clientId: graph.clientId,
      clientSecret: graph.clientSecret,
      graphUrl: graph.graphUrl,
      loginUrl: graph.loginUrl,
      http: { timeoutMs: 1000, maxRetries: 2, baseDelayMs: 10, maxDelayMs: 2000 },
    });
    return {
      backends: { mdm },
      devices: { owner: { id: 'alice', email: 'alice@example.com' }, deviceId: 'LAPTOP-ALICE-01' },
      failWith(kind) {
        graph.clearFailures();
        // A refused sign-in (a wrong or expired client secret), a throttled or a failing Graph.
        if (kind === 'forbidden') graph.fail({ path: /\/oauth2\/v2\.0\/token$/, status: 401, times: 1000 });
        if (kind === 'rate_limited') graph.fail({ path: /^\/v1\.0\//, status: 429, retryAfter: 120, times: 1000 });
        if (kind === 'unavailable') graph.fail({ path: /^\/v1\.0\//, status: 503, times: 1000 });
      },
      secrets: [graph.clientSecret],
      async close() {
        // Never a request for the whole tenant, whatever the suite did.
        expect(graph.violations).toEqual([]);
        await graph.close();
      },
    };
  },
  ['devices', 'failures'],
);
