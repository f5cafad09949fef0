import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { tempDbPath } from './support/harness';
import { runEntry } from './support/processes';

// The directory file is the source of truth: `npm run directory -- sync` and every start make the
// database agree with it, in child processes against a real SQLite file.

type User = { id: string; email: string; name: string; role: string; active?: boolean };
type Dir = { users: User[]; devices?: Array<{ id: string; owner: string; model?: string }>; systems?: Array<{ id: string; description?: string }> };

const alice: User = { id: 'alice', email: 'alice@corp.test', name: 'Alice Anders', role: 'employee' };
const bob: User = { id: 'bob', email: 'bob@corp.test', name: 'Bob Brown', role: 'employee' };
const carol: User = { id: 'carol', email: 'carol@corp.test', name: 'Carol Chen', role: 'employee' };
const admin: User = { id: 'sam', email: 'sam@corp.test', name: 'Sam Okafor', role: 'admin' };

function setup() {
  const dbPath = tempDbPath();
  const file = path.join(path.dirname(dbPath), 'directory.json');
  const write = (d: Dir) => fs.writeFileSync(file, JSON.stringify(d));
  const env = { SENTINEL_DB: dbPath, SENTINEL_DIRECTORY: file, SENTINEL_LLM: 'offline' };
  const sync = () => runEntry('apps/directory/main.ts', ['sync'], env);
  const query = <T>(sql: string): T[] => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  return { dbPath, file, write, env, sync, query };
}

const v1: Dir = {
  users: [alice, bob, admin],
  devices: [{ id: 'LAPTOP-BOB-01', owner: 'bob', model: 'ThinkPad' }],
  systems: [{ id: 'github', description: 'Code' }],
};

describe('npm run directory -- sync', () => {
  test('applies additions, role and name changes, departures and re-owned devices, logs them to the audit log, and is idempotent', () => {
    const t = setup();
    t.write(v1);
    const first = t.sync();
    expect([first.code, first.stderr]).toEqual([0, '']);
    expect(first.stdout).toMatch(/seeded an empty database: 3 users, 1 devices, 1 systems, 0 tickets/);

    t.write({
      users: [{ ...alice, role: 'admin', name: 'Alice Anders-Lee' }, carol, admin],
      devices: [{ id: 'LAPTOP-BOB-01', owner: 'carol', model: 'ThinkPad' }, { id: 'LAPTOP-CAROL-02', owner: 'carol' }],
      systems: [{ id: 'github', description: 'Code' }, { id: 'vpn' }],
    });
    const second = t.sync();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('6 changes');
    expect(second.stdout).toContain('user bob deactivated');
    expect(second.stdout).toContain('user alice: name "Alice Anders" → "Alice Anders-Lee", role "employee" → "admin"');
    expect(second.stdout).toContain('device LAPTOP-BOB-01: owner "bob" → "carol"');

    // Bob's row stays (approvals and the audit log name him), inactive.
    expect(t.query('select id, role, name, active from directory order by id')).toEqual([
      { id: 'alice', role: 'admin', name: 'Alice Anders-Lee', active: 1 },
      { id: 'bob', role: 'employee', name: 'Bob Brown', active: 0 },
      { id: 'carol', role: 'employee', name: 'Carol Chen', active: 1 },
      { id: 'sam', role: 'admin', name: 'Sam Okafor', active: 1 },
    ]);
    expect(t.query('select id, owner from devices order by id')).toEqual([
      { id: 'LAPTOP-BOB-01', owner: 'carol' },
      { id: 'LAPTOP-CAROL-02', owner: 'carol' },
    ]);
    expect(t.query<{ id: string }>('select id from systems order by id').map((s) => s.id)).toEqual(['github', 'vpn']);

    const synced = t.query<{ data: string }>("select data from audit where kind = 'directory_synced' order by seq").map((a) => JSON.parse(a.data));
    expect(synced).toHaveLength(2);
    expect(synced[0]).toMatchObject({ source: t.file, seeded: true, users: 3 });
    expect(synced[1].source).toBe(t.file);
    expect(synced[1].changes).toEqual(
      expect.arrayContaining([
        { change: 'user_deactivated', id: 'bob' },
        { change: 'user_added', id: 'carol' },
        { change: 'user_updated', id: 'alice', fields: { name: { from: 'Alice Anders', to: 'Alice Anders-Lee' }, role: { from: 'employee', to: 'admin' } } },
        { change: 'device_updated', id: 'LAPTOP-BOB-01', fields: { owner: { from: 'bob', to: 'carol' } } },
        { change: 'device_added', id: 'LAPTOP-CAROL-02' },
        { change: 'system_added', id: 'vpn' },
      ]),
    );

    const third = t.sync();
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(/no changes/);
    expect(t.query("select seq from audit where kind = 'directory_synced'")).toHaveLength(2);
    // The entries extend the hash chain like any other.
    expect(runEntry('apps/audit/main.ts', ['verify'], t.env).stdout).toMatch(/audit log intact: 2 entries/);
  });

  test('two people swapping emails, and a newcomer taking a departed person’s, do not trip the unique email', () => {
    const t = setup();
    t.write(v1);
    expect(t.sync().code).toBe(0);
    t.write({ users: [{ ...alice, email: bob.email }, { ...admin, email: alice.email }, { ...carol, email: 'bob@corp.test'.replace('bob', 'b0b') }], devices: [] });
    // Alice takes Bob's address (Bob has left), Sam takes Alice's.
    const r = t.sync();
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(t.query('select id, email, active from directory order by id')).toEqual([
      { id: 'alice', email: 'bob@corp.test', active: 1 },
      { id: 'bob', email: 'bob@departed.invalid', active: 0 },
      { id: 'carol', email: 'b0b@corp.test', active: 1 },
      { id: 'sam', email: 'alice@corp.test', active: 1 },
    ]);
  });

  test('a bad file exits 2 naming the file and the problem, and changes nothing', () => {
    const t = setup();
    t.write(v1);
    expect(t.sync().code).toBe(0);
    const before = t.query('select * from directory order by id');
    const cases: Array<[string, RegExp]> = [
      ['{"users": [', /cannot read .*directory\.json: .*JSON/],
      [JSON.stringify({ users: [{ ...alice, role: 'superuser' }] }), /directory\.json is not a valid directory file:\n {2}users\.0\.role: /],
      [JSON.stringify({ users: [alice, { ...bob, email: 'ALICE@corp.test' }] }), /directory\.json: email alice@corp\.test appears more than once/],
      [JSON.stringify({ users: [alice], devices: [{ id: 'LAPTOP-X-01', owner: 'nobody' }] }), /directory\.json: device LAPTOP-X-01 has unknown owner nobody/],
    ];
    for (const [text, problem] of cases) {
      fs.writeFileSync(t.file, text);
      const r = t.sync();
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^directory: /);
      expect(r.stderr).toMatch(problem);
      expect(r.stdout).toBe('');
    }
    expect(t.query('select * from directory order by id')).toEqual(before);
    // The app refuses to start on it the same way: configuration to fix, exit 2, the file named.
    fs.writeFileSync(t.file, '[1]');
    const cli = runEntry('apps/cli/main.ts', ['--as', 'alice', 'hi'], t.env);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/SENTINEL_DIRECTORY: .*directory\.json is not a valid directory file:\n {2}\(the whole file\): Expected object/);
  });

  test('without SENTINEL_DIRECTORY, or with another command, it exits 2 with usage', () => {
    const t = setup();
    const unset = runEntry('apps/directory/main.ts', ['sync'], { SENTINEL_DB: t.dbPath });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/SENTINEL_DIRECTORY is not set/);
    const other = runEntry('apps/directory/main.ts', ['push'], t.env);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/unknown command push[\s\S]*npm run directory -- sync/);
  });
});

describe('every start re-syncs the directory file', () => {
  test('a user set inactive in the file gets guest rights after a restart; a promoted user gets theirs', () => {
    const t = setup();
    t.write(v1);
    const ask = (as: string, text: string) => JSON.parse(runEntry('apps/cli/main.ts', ['--as', as, '--json', text], t.env).stdout);
    expect(ask('bob', 'my laptop is slow').proposals[0]).toMatchObject({ decision: 'allow' });

    t.write({ ...v1, users: [{ ...alice, role: 'admin' }, { ...bob, active: false }, admin] });
    // Deactivated: nothing of theirs is theirs any more (not even a guest's own-ticket lookup).
    const deactivated = ask('bob', 'my laptop is slow');
    expect(deactivated.executed).toEqual([]);
    expect(deactivated.proposals.every((p: { decision: string }) => p.decision === 'deny')).toBe(true);
    // An admin may act on another user's device; as an employee alice could not.
    expect(ask('alice', 'run diagnostics on LAPTOP-BOB-01').proposals[0]).toMatchObject({ decision: 'allow' });
    const synced = t.query<{ data: string }>("select data from audit where kind = 'directory_synced' order by seq").map((a) => JSON.parse(a.data));
    expect(synced.at(-1).changes).toEqual(
      expect.arrayContaining([
        { change: 'user_updated', id: 'bob', fields: { active: { from: true, to: false } } },
        { change: 'user_updated', id: 'alice', fields: { role: { from: 'employee', to: 'admin' } } },
      ]),
    );
  });
});
