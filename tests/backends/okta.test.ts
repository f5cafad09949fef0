import { describeBackendContract } from './contract';
import { oktaAdapter, oktaOrg } from './okta-world';

// The Okta adapter (directory and access) against the one contract, through its loopback Okta.
describeBackendContract(
  'okta',
  async () => {
    const { okta, ids } = await oktaOrg();
    const adapter = oktaAdapter(okta);
    return {
      backends: { directory: adapter.directory, access: adapter.access },
      directory: {
        employee: { email: 'alice@example.com' },
        admin: { email: 'sam@example.com' },
        inactive: { email: 'olga@example.com' },
        // olga is in "it" too, but suspended: not a member who counts.
        group: { name: 'it', memberEmails: ['sam@example.com', 'cto@example.com'] },
      },
      access: { userId: ids.alice, system: 'github' },
      failWith(kind) {
        okta.clearFailures();
        okta.fail({ status: { forbidden: 401, rate_limited: 429, unavailable: 503 }[kind], times: Infinity });
      },
      heal: () => okta.clearFailures(),
      secrets: [okta.token],
      async close() {
        adapter.database.close();
        await okta.stop();
      },
    };
  },
  ['directory', 'access', 'failures'],
);
