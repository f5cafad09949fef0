import fs from 'node:fs';
import path from 'node:path';
import { DirectoryFileSchema, type DirectoryFile } from '../tools/backends/embedded/directory-file';
import type { Actor } from '../policies/types';

/**
 * A company big enough that every benchmark turn comes from a real directory user kept under the
 * shipped hourly action limit: turn i is asked by employee i mod N, so nobody is rate-limited and the
 * limit's bookkeeping is measured as it runs in production.
 */
export function population(employees: number): { directory: DirectoryFile; employee: (i: number) => Actor; approver: Actor } {
  const id = (i: number) => `emp-${String(i).padStart(5, '0')}`;
  const users = Array.from({ length: employees }, (_, i) => ({ id: id(i), email: `${id(i)}@example.com`, name: `Employee ${i}`, role: 'employee' as const }));
  const directory = DirectoryFileSchema.parse({
    users: [...users, { id: 'it-admin', email: 'it-admin@example.com', name: 'IT Admin', role: 'admin' }, { id: 'cto', email: 'cto@example.com', name: 'CTO', role: 'admin' }],
    devices: [...users.map((u) => ({ id: `LAPTOP-${u.id.toUpperCase()}`, owner: u.id })), { id: 'LAPTOP-CTO-01', owner: 'cto' }],
    systems: [{ id: 'github' }, { id: 'vpn' }, { id: 'aws-prod' }, { id: 'salesforce' }],
  });
  return {
    directory,
    employee: (i) => ({ ...users[i % employees]!, role: 'employee' }),
    approver: { id: 'it-admin', role: 'admin', email: 'it-admin@example.com', name: 'IT Admin' },
  };
}

export function writeDirectoryFile(dir: string, directory: DirectoryFile): string {
  const file = path.join(dir, 'directory.json');
  fs.writeFileSync(file, JSON.stringify(directory));
  return file;
}
