import type { Logger } from 'pino';
import type { OktaConfig } from '../../../config';
import type { Db } from '../../../db/client';
import type { Access, Directory } from '../types';
import { oktaAccess } from './access';
import { oktaDirectory } from './directory';
import { OktaHttp } from './http';

/** Okta as Sentinel's directory (people, roles, password resets) and access backend (group membership). */
export function oktaBackends(
  config: OktaConfig,
  db: Db,
  logger?: Logger,
  http: { timeoutMs?: number; maxRetries?: number; maxWaitMs?: number; cacheMs?: number } = {},
): { directory: Directory; access: Access } {
  const client = new OktaHttp({ orgUrl: config.orgUrl, apiToken: config.apiToken, logger, ...http });
  return {
    directory: oktaDirectory(client, { adminGroup: config.adminGroup, cacheMs: http.cacheMs }),
    access: oktaAccess(client, db, { accessGroup: config.accessGroup }),
  };
}
