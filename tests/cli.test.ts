import Database from 'better-sqlite3';
import { APOLOGY } from '../machines/agent';
import { startFakeOpenAI } from './support/fake-openai';
import { tempDbPath } from './support/harness';
import { runEntry } from './support/processes';

const cli = (args: string[], env: Record<string, string>, input?: string) => runEntry('apps/cli/main.ts', args, env, input);

const json = (stdout: string) => {
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1); // exactly one JSON object, nothing else on stdout
  return JSON.parse(lines[0]!);
};

describe('CLI one-shot (child process)', () => {
  const env = { SENTINEL_DB: tempDbPath() };

  test('the "who answers" hint names an admin other than the requester, and a refusal invites no second try', () => {
    const own = { SENTINEL_DB: tempDbPath() };
    expect(cli(['--as', 'sam', 'lock LAPTOP-ALICE-01'], own).code).toBe(0);
    const restart = cli(['--as', 'sam', 'restart LAPTOP-ALICE-01'], own);
    expect(restart.stdout).toMatch(/an IT admin other than the requester, e\.g\. --as cto\)/);
    const id = /--approve (apr_\w+)/.exec(restart.stdout)![1]!;
    const refused = cli(['--as', 'alice', '--approve', id], own);
    expect(refused.stdout).toMatch(/Only IT admins can approve/);
    expect(refused.stdout).not.toMatch(/--approve/);
  });

  test('--json prints the contract; a request, a refused self-approval and an admin approval', () => {
    const first = cli(['--as', 'intern', '--thread', 'cli-test', '--json', 'wipe my laptop'], env);
    expect(first.code).toBe(0);
    const r = json(first.stdout);
    expect(Object.keys(r).sort()).toEqual(['approvals', 'executed', 'proposals', 'reply', 'state', 'thread']);
    expect(r).toMatchObject({
      thread: 'cli-test',
      state: 'awaiting_approval',
      proposals: [{ tool: 'execute_remote_command', args: { device_id: 'LAPTOP-INTERN-01', command: 'wipe' }, decision: 'require_approval', reason: expect.any(String) }],
      executed: [],
      approvals: [{ id: expect.any(String), tool: 'execute_remote_command', args: { device_id: 'LAPTOP-INTERN-01', command: 'wipe' }, status: 'pending', required: 'approver' }],
    });
    const id = r.approvals[0].id as string;

    const self = json(cli(['--as', 'intern', '--json', '--approve', id], env).stdout);
    expect(self.executed).toEqual([]);
    expect(self.approvals[0].status).toBe('pending');

    const ok = cli(['--as', 'sam', '--json', '--approve', id], env);
    expect(ok.code).toBe(0);
    const done = json(ok.stdout);
    expect(done).toMatchObject({ thread: 'cli-test', state: 'idle', approvals: [{ id, status: 'approved', required: 'approver' }] });
    expect(done.executed).toEqual([{ tool: 'execute_remote_command', args: { device_id: 'LAPTOP-INTERN-01', command: 'wipe' }, ok: true, output: expect.objectContaining({ device_status: 'wiped' }) }]);

    const twice = json(cli(['--as', 'cto', '--json', '--approve', id], env).stdout);
    expect(twice.executed).toEqual([]);
    expect(twice.reply).toMatch(/already approved/);
  });

  test('an admin confirming their own wipe is told it is confirmed by them, not approved by someone', () => {
    const first = json(cli(['--as', 'sam', '--thread', 'cli-confirm', '--json', 'wipe my laptop'], env).stdout);
    expect(first.approvals[0]).toMatchObject({ status: 'pending', required: 'requester' });
    const done = json(cli(['--as', 'sam', '--json', '--approve', first.approvals[0].id], env).stdout);
    expect(done.approvals[0]).toMatchObject({ status: 'approved', required: 'requester' });
    expect(done.reply).toMatch(/Confirmed by you: wipe LAPTOP-SAM-01/);
    expect(done.reply).not.toMatch(/Approved by/);
  });

  test('a denial is an outcome (exit 0); --deny works; the thread continues', () => {
    const denied = cli(['--as', 'intern', '--thread', 'cli-2', '--json', "reset alice's password"], env);
    expect(denied.code).toBe(0);
    expect(json(denied.stdout).proposals[0]).toMatchObject({ decision: 'deny' });
    const access = json(cli(['--as', 'intern', '--thread', 'cli-2', '--json', 'I need read access to github'], env).stdout);
    const id = access.approvals[0].id;
    const d = json(cli(['--as', 'sam', '--json', '--deny', id], env).stdout);
    expect(d.approvals[0].status).toBe('denied');
    expect(d.executed).toEqual([]);
  });

  test('usage errors exit non-zero with a message', () => {
    for (const args of [['--json'], ['--bogus'], ['--as'], ['hello'], ['--as', 'sam', '--approve']]) {
      const r = cli(args, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/sentinel: /);
      expect(r.stdout).toBe('');
    }
  });

  test('--as with a user the directory does not know is a usage error naming the user and where to find valid ones', () => {
    for (const args of [['--as', 'bob', 'hi'], ['--as', 'bob', '--json', '--approve', 'apr_1']]) {
      const r = cli(args, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--as: no user "bob" in the directory/);
      expect(r.stderr).toMatch(/Known users: [^\n]*\bintern\b/);
      expect(r.stderr).toMatch(/Known users: [^\n]*\bsam\b/);
      expect(r.stderr).toMatch(/npm run cli/);
      expect(r.stdout).toBe('');
    }
    // An email the directory knows is a known user.
    expect(cli(['--as', 'alice@example.com', 'hi'], env).code).toBe(0);
  });

  test('bad configuration names the variable', () => {
    const r = cli(['--as', 'intern', 'hi'], { ...env, SENTINEL_LLM: 'openai' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/OPENAI_API_KEY/);
  });

  test('an LLM endpoint that never answers: a warn line per failed attempt on stderr, then the apology', async () => {
    // The server never answers, so it needs no event loop while spawnSync blocks: the kernel accepts the connection.
    const llm = await startFakeOpenAI([{ hang: true }, { hang: true }]);
    try {
      const llmEnv = { SENTINEL_LLM: 'openai', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: llm.baseURL, OPENAI_TIMEOUT_MS: '300', OPENAI_MAX_RETRIES: '1', LOG_LEVEL: 'warn' };
      const r = cli(['--as', 'intern', 'reset my password'], { ...env, ...llmEnv });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(APOLOGY);
      const warns = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; cause: string });
      expect(warns.map((w) => [w.level, w.msg, w.cause])).toEqual([
        [40, 'LLM propose failed (attempt 1 of 2); retrying', 'no answer within 300 ms'],
        [40, 'LLM propose failed (attempt 2 of 2); giving up', 'no answer within 300 ms'],
      ]);
    } finally {
      await llm.close();
    }
  });

  test('text mode prints the reply and how to answer approvals', () => {
    const r = cli(['--as', 'intern', 'I need admin access to aws-prod for 4 hours'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/needs approval from an IT admin/);
    expect(r.stdout).toMatch(/--approve apr_/);
  });

  test('REPL: /help at the persona prompt shows the commands instead of becoming a user; unknown names are asked again', () => {
    const r = cli([], env, '/help\nbob\nalice\n/quit\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\/as <user> +switch persona/);
    expect(r.stdout).toMatch(/no user "bob" in the directory/);
    expect(r.stdout).toMatch(/You are alice \(employee\)/);
    expect(r.stdout).not.toMatch(/You are \/help|You are bob/);
  });

  test('REPL: /approve, /deny and /as without an argument print usage and never reach the bot', () => {
    const db = { SENTINEL_DB: tempDbPath() };
    const r = cli([], db, 'alice\n/approve\n/deny\n/as\n/as nobody\n/quit\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: \/approve <approval-id>/);
    expect(r.stdout).toMatch(/usage: \/deny <approval-id>/);
    expect(r.stdout).toMatch(/usage: \/as <user>/);
    expect(r.stdout).toMatch(/no user "nobody" in the directory/);
    expect(r.stdout).not.toMatch(/sentinel: /); // the bot never answered any of them
    // …and nothing was stored as a conversation message either.
    const sqlite = new Database(db.SENTINEL_DB, { readonly: true });
    expect(sqlite.prepare('select count(*) as n from messages').get()).toEqual({ n: 0 });
    sqlite.close();
  });

  test('the REPL reads piped input: persona, chat, approval by another admin', () => {
    const r = cli([], env, 'alice\nI need read access to salesforce\n/as sam\n/pending\n');
    expect(r.code).toBe(0);
    const id = /\/approve (apr_[0-9a-f]+)/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const approve = cli([], env, `sam\n/approve ${id}\n/quit\n`);
    expect(approve.stdout).toMatch(/Approved by sam/);
    expect(approve.stdout).toMatch(/now has read access to salesforce/);
  });
});
