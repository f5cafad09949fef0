import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runEntry } from './support/processes';

/** Paths SENTINEL_DB can point at that can never hold the database, each with the reason the message gives. */
function badPaths(): Array<[string, string, RegExp]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-badpath-'));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'these are my notes, not a database; '.repeat(10));
  fs.writeFileSync(path.join(dir, 'plain-file'), '');
  return [
    ['a directory', dir, /it is a directory/],
    ['a path under a regular file', path.join(dir, 'plain-file', 'sentinel.db'), /plain-file is a file, not a directory/],
    ['a file that is not SQLite', path.join(dir, 'notes.txt'), /not a SQLite database/],
    // /sys refuses new directories even to root, so this holds whoever runs the tests.
    ['a directory that cannot be created', '/sys/sentinel-test/sentinel.db', /no permission to create \/sys\/sentinel-test/],
  ];
}

const TOKENS = { SLACK_BOT_TOKEN: 'xoxb-1-ok', SLACK_APP_TOKEN: 'xapp-1-ok' };

describe('SENTINEL_DB that cannot be opened: exit 2 with a message naming the variable and the path', () => {
  test.each(badPaths())('npm run cli, %s', (_what, file, reason) => {
    const r = runEntry('apps/cli/main.ts', ['--as', 'intern', 'hi'], { SENTINEL_DB: file });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`SENTINEL_DB: cannot open "${file}"`);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(r.stdout).toBe('');
  });

  test.each(badPaths())('npm start, %s', (_what, file, reason) => {
    // Valid-looking tokens and no Slack anywhere: the database is checked before anything connects.
    const r = runEntry('apps/slack/main.ts', [], { SENTINEL_DB: file, ...TOKENS, SLACK_API_URL: 'http://127.0.0.1:9/api/' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`SENTINEL_DB: cannot open "${file}"`);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('directories that do not exist yet are created, not refused', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-newdir-')), 'a', 'b', 'sentinel.db');
    const r = runEntry('apps/cli/main.ts', ['--as', 'intern', 'hi'], { SENTINEL_DB: file });
    expect(r.code).toBe(0);
    expect(fs.statSync(file).size).toBeGreaterThan(0);
  });
});
