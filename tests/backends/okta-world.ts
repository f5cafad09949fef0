import { openDatabase } from '../../db/client';
import { oktaBackends } from '../../tools/backends/okta';
import type { Logger } from 'pino';
import { tempDbPath } from '../support/harness';
import { OktaServer } from '../support/okta-server';

/** An Okta org on loopback with the people and groups the Okta tests use. */
export async function oktaOrg(): Promise<{ okta: OktaServer; ids: Record<'alice' | 'sam' | 'cto' | 'olga' | 'ivy', string> }> {
  const okta = await new OktaServer().start();
  const ids = {
    alice: okta.addUser({ email: 'alice@example.com', firstName: 'Alice', lastName: 'Anders', groups: ['Everyone', 'sales'] }),
    sam: okta.addUser({ email: 'sam@example.com', firstName: 'Sam', lastName: 'Okafor', groups: ['Everyone', 'sentinel-admins', 'it'] }),
    cto: okta.addUser({ email: 'cto@example.com', firstName: 'Casey', lastName: 'Tran', groups: ['Everyone', 'sentinel-admins', 'it', 'security'] }),
    olga: okta.addUser({ email: 'olga@example.com', firstName: 'Olga', lastName: 'Gone', status: 'SUSPENDED', groups: ['Everyone', 'it'] }),
    ivy: okta.addUser({ email: 'intern@example.com', firstName: 'Ivy', lastName: 'Intern', groups: ['Everyone'] }),
  };
  for (const system of ['github', 'vpn', 'salesforce', 'aws-prod']) for (const level of ['read', 'write', 'admin']) okta.addGroup({ name: `sentinel-${system}-${level}` });
  okta.addGroup({ name: 'sentinel-ad-sync-read', type: 'APP_GROUP' });
  return { okta, ids };
}

/** The Okta adapter as configured for that org, with short timeouts and waits (a test's patience). */
/** (No lookup cache unless asked: the tests change people in Okta and expect the next answer to show it.) */
export function oktaAdapter(okta: OktaServer, opts: { logger?: Logger; token?: string; timeoutMs?: number; cacheMs?: number } = {}) {
  const database = openDatabase(tempDbPath());
  const backends = oktaBackends(
    { kind: 'okta', orgUrl: okta.url, apiToken: opts.token ?? okta.token, adminGroup: 'sentinel-admins', accessGroup: 'sentinel-{system}-{level}' },
    database.db,
    opts.logger,
    { timeoutMs: opts.timeoutMs ?? 2000, maxRetries: 2, maxWaitMs: 3000, cacheMs: opts.cacheMs ?? 0 },
  );
  return { ...backends, database };
}
