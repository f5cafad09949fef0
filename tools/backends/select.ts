import type { Logger } from 'pino';
import type { BackendsConfig } from '../../config';
import type { Db } from '../../db/client';
import { embeddedBackends } from './embedded';
import { oktaBackends } from './okta';
import type { Backends } from './types';

/**
 * The backends configuration chose (config.ts `backends`): each of identity (directory and access),
 * tickets and devices is the embedded SQLite one unless a real system is configured for it.
 */
export function selectBackends(config: BackendsConfig, db: Db, logger?: Logger): Backends {
  const backends = embeddedBackends(db);
  if (config.identity.kind === 'okta') Object.assign(backends, oktaBackends(config.identity, db, logger?.child({ backend: 'okta' })));
  // SENTINEL_TICKETS=jira and SENTINEL_MDM=intune: wired here once their adapters land (tools/backends/jira, intune).
  return backends;
}
