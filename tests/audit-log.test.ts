import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { verifyAudit } from '../db/audit-verify';
import { openSentinel } from './support/harness';
import { runEntry } from './support/processes';

const SCRATCH = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-audit-'));

/** A database with a real audit trail: allowed, denied, approved and refused actions. */
async function auditedDb(): Promise<string> {
  const s = openSentinel();
  const intern = await s.identify('intern');
  await s.runner.handleMessage('a', intern, 'reset my password');
  await s.runner.handleMessage('b', intern, 'wipe alice’s laptop LAPTOP-ALICE-01');
  const wipe = await s.runner.handleMessage('c', intern, 'wipe my laptop');
  await s.runner.decideApproval(wipe.approvals[0]!.id, intern, 'approve');
  await s.runner.decideApproval(wipe.approvals[0]!.id, await s.identify('sam'), 'approve');
  await s.close();
  return s.dbPath;
}

function tampered(file: string, sql: string): Database.Database {
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-tamper-')), 'db');
  fs.copyFileSync(file, copy);
  const db = new Database(copy);
  db.exec(sql);
  return db;
}

let file: string;
let entries: number;
beforeAll(async () => {
  file = await auditedDb();
  const db = new Database(file);
  entries = (db.prepare('select count(*) n from audit').get() as { n: number }).n;
  db.close();
});

describe('the audit log is a hash chain that names the first bad entry', () => {
  test('an untouched log verifies', () => {
    const db = new Database(file, { readonly: true });
    const v = verifyAudit(db);
    expect(v).toMatchObject({ ok: true, entries });
    expect(entries).toBeGreaterThanOrEqual(10);
    db.close();
  });

  test.each([
    ['an edited decision', "update audit set data = replace(data, '\"deny\"', '\"allow\"') where seq = (select min(seq) from audit where data like '%\"deny\"%')", /edited/],
    ['an edited actor', 'update audit set actor = \'sam\' where seq = 5', /hash does not match/],
    ['an edited time', 'update audit set at = at + 1 where seq = 6', /hash does not match/],
    ['reformatted data', "update audit set data = replace(data, ':', ': ') where seq = 3", /not as it was written/],
    ['a deleted entry', 'delete from audit where seq = 4', /entry 4 is missing/],
    ['two swapped entries', 'update audit set seq = -1 where seq = 7; update audit set seq = 7 where seq = 8; update audit set seq = 8 where seq = -1', /prev_hash does not match/],
  ])('%s is detected', (_name, sql, problem) => {
    const db = tampered(file, sql);
    const v = verifyAudit(db);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.problem).toMatch(problem);
    db.close();
  });

  test('entries cut off the end are caught against a recorded head', () => {
    const clean = new Database(file, { readonly: true });
    const v = verifyAudit(clean);
    clean.close();
    if (!v.ok || !v.head) throw new Error('expected an intact log');
    const db = tampered(file, `delete from audit where seq > ${v.head.seq - 2}`);
    expect(verifyAudit(db).ok).toBe(true); // a shorter chain is self-consistent…
    expect(verifyAudit(db, v.head)).toMatchObject({ ok: false, problem: expect.stringMatching(/cut off the end/) }); // …but not the one recorded
    db.close();
  });
});

describe('npm run audit (child process)', () => {
  const run = (args: string[], dbFile: string) => runEntry('apps/audit/main.ts', args, { SENTINEL_DB: dbFile });

  test('verify: exit 0 and the head when intact, exit 1 naming the first bad entry when not', () => {
    const ok = run(['verify'], file);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`audit log intact: ${entries} entries; head ${entries}:[0-9a-f]{64}`));
    const head = /head (\d+:[0-9a-f]{64})/.exec(ok.stdout)![1]!;
    expect(run(["verify", "--head", head], file).code).toBe(0);
    const broken = tampered(file, "update audit set actor = 'mallory' where seq = 9");
    const bad = run(['verify'], broken.name);
    broken.close();
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/BROKEN at entry 9: its hash does not match its content/);
  });

  test('export writes JSONL, oldest first, from --since on', () => {
    const all = run(['export'], file);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(entries);
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: entries }, (_, i) => i + 1));
    expect(lines[0]).toMatchObject({ seq: 1, kind: expect.any(String), at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), data: expect.any(Object), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const future = run(['export', '--since', '2999-01-01'], file);
    expect(future.stdout).toBe('');
    const out = path.join(SCRATCH, 'audit.jsonl');
    expect(run(['export', '--since', String(Date.parse(lines[0].at)), '--out', out], file).code).toBe(0);
    expect(fs.readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(entries);
  });

  test('bad usage is exit 2 with the usage text', () => {
    for (const args of [[], ['shred'], ['export', '--since', 'yesterday-ish'], ['verify', '--head', 'abc'], ['export', '--out']]) {
      const r = run(args, file);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Usage:/);
    }
    expect(run(['verify'], path.join(SCRATCH, "nope.db")).code).toBe(2);
  });
});
