import { openDatabase } from '../../db/client';
import { embeddedBackends } from '../../tools/backends/embedded';
import { demoDirectory } from '../../tools/backends/embedded/demo-directory';
import { DirectoryFileSchema } from '../../tools/backends/embedded/directory-file';
import { seedIfEmpty } from '../../tools/backends/embedded/seed';
import { tempDbPath } from '../support/harness';
import { describeBackendContract } from './contract';

// The embedded SQLite backends (the zero-configuration default) against the one contract.
describeBackendContract(
  'embedded',
  async () => {
    const database = openDatabase(tempDbPath());
    const data = DirectoryFileSchema.parse({
      ...demoDirectory,
      users: [...demoDirectory.users, { id: 'olga', email: 'olga@example.com', name: 'Olga Gone', role: 'employee', active: false }],
    });
    seedIfEmpty(database.db, data, Date.parse('2026-12-03T07:00:00Z'));
    return {
      backends: embeddedBackends(database.db),
      directory: {
        employee: { email: 'alice@example.com' },
        admin: { email: 'sam@example.com' },
        inactive: { email: 'olga@example.com' },
        group: { name: 'it', memberEmails: ['cto@example.com', 'sam@example.com'] },
      },
      devices: { owner: { id: 'alice', email: 'alice@example.com' }, deviceId: 'LAPTOP-ALICE-01' },
      access: { userId: 'alice', system: 'github' },
      tickets: { requester: 'alice' },
      async close() {
        database.close();
      },
    };
  },
  ['directory', 'devices', 'access', 'tickets'],
);
