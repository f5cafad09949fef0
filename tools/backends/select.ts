import type { Logger } from 'pino';
import type { BackendsConfig } from '../../config';
import type { Db } from '../../db/client';
import { embeddedBackends } from './embedded';
import { intuneDevices } from './intune';
import { jiraTickets } from './jira';
import { oktaBackends } from './okta';
import type { Backends } from './types';

/**
 * The backends configuration chose (config.ts `backends`): each of identity (directory and access),
 * tickets and devices is the embedded SQLite one unless a real system is configured for it.
 */
export function selectBackends(config: BackendsConfig, db: Db, logger?: Logger): Backends {
  const backends = embeddedBackends(db);
  if (config.identity.kind === 'okta') Object.assign(backends, oktaBackends(config.identity, db, logger?.child({ backend: 'okta' })));
  if (config.tickets.kind === 'jira') {
    const { baseUrl, email, apiToken, projectKey, issueType } = config.tickets;
    backends.tickets = jiraTickets({ baseUrl, email, apiToken, projectKey, issueType, http: { logger } });
  }
  if (config.mdm.kind === 'intune') {
    const { tenantId, clientId, clientSecret, graphApiUrl, graphLoginUrl } = config.mdm;
    backends.mdm = intuneDevices({ tenantId, clientId, clientSecret, graphUrl: graphApiUrl, loginUrl: graphLoginUrl, http: { logger } });
  }
  return backends;
}
