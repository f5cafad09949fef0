import type { Db } from '../../../db/client';
import type { Backends } from '../types';
import { embeddedAccess } from './access';
import { embeddedDirectory } from './directory';
import { embeddedMdm } from './mdm';
import { embeddedTickets } from './tickets';

/** The default backends: a real directory, MDM, access-grant store and ticket system in Sentinel's SQLite file. */
export function embeddedBackends(db: Db): Backends {
  return {
    directory: embeddedDirectory(db),
    mdm: embeddedMdm(db),
    access: embeddedAccess(db),
    tickets: embeddedTickets(db),
  };
}
