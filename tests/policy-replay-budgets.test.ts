import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { DEFAULT_POLICY_FILE } from '../policies/load';
import { call, openSentinel, scriptedLlm, tempDbPath, testClock } from './support/harness';
import { runEntry } from './support/processes';

// `npm run policy -- replay` counts budgets as the guard counts them (policies/budgets.ts budgetCount over
// db/decisions.ts actionsForBudget): replaying the very file that decided a history changes nothing,
// even where "what ran" and "what policy let through" differ — a second action in the same message,
// an approved action the re-check stopped before it ran.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-replay-budgets-'));
const MIN = 60_000;

function policyWith(name: string, budget: Record<string, unknown>): string {
  const doc = YAML.parse(fs.readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as Record<string, unknown>;
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, YAML.stringify({ ...doc, budgets: [budget] }));
  return file;
}

const replay = (file: string, db: string) => {
  const r = runEntry('apps/policy/main.ts', ['replay', file, '--json'], { SENTINEL_DB: db });
  if (r.code !== 0) throw new Error(`policy replay exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { changes: Array<{ what: string; change: string }>; replayed: number; unchanged: number };
};

test('two locks in one message against a budget of one: the second was escalated, and replay agrees', async () => {
  const file = policyWith('one-lock', { id: 'locks', tools: ['execute_remote_command'], when: { command: ['lock'] }, max: 1, window_minutes: 60, then: { effect: 'require_approval' } });
  const db = tempDbPath();
  const clock = testClock();
  const llm = scriptedLlm();
  const s = openSentinel({ db, llm: llm.provider, now: clock.now, env: { SENTINEL_POLICY: file } });
  llm.plans.push({ text: null, calls: [call('execute_remote_command', { device_id: 'LAPTOP-ALICE-01', command: 'lock' }), call('execute_remote_command', { device_id: 'LAPTOP-INTERN-01', command: 'lock' })] });
  const r = await s.runner.handleMessage('t1', await s.identify('sam'), 'lock both');
  expect(r.proposals.map((p) => p.decision)).toEqual(['allow', 'require_approval']);
  clock.advance(MIN);
  // A later message is counted against the lock that ran: escalated too.
  llm.plans.push({ text: null, calls: [call('execute_remote_command', { device_id: 'LAPTOP-CTO-01', command: 'lock' })] });
  expect((await s.runner.handleMessage('t2', await s.identify('cto'), 'lock mine')).proposals[0]!.decision).toBe('require_approval');
  await s.close();

  const report = replay(file, db);
  expect(report).toMatchObject({ replayed: 3, unchanged: 3, changes: [] });
});

test('an approved wipe the re-check stopped still counts, in the guard and in replay', async () => {
  const file = policyWith('one-wipe', { id: 'wipes', tools: ['execute_remote_command'], when: { command: ['wipe'] }, max: 1, window_minutes: 60, then: { effect: 'deny' } });
  const db = tempDbPath();
  const clock = testClock();
  const llm = scriptedLlm();
  const s = openSentinel({ db, llm: llm.provider, now: clock.now, env: { SENTINEL_POLICY: file } });
  llm.plans.push({ text: null, calls: [call('execute_remote_command', { device_id: 'LAPTOP-ALICE-01', command: 'wipe' })] });
  const asked = await s.runner.handleMessage('t1', await s.identify('alice'), 'wipe my laptop');
  expect(asked.approvals[0]).toMatchObject({ status: 'pending' });
  // alice becomes a guest before sam approves: approved, but the re-check stops it, so it never starts.
  s.database.sqlite.prepare("update directory set role = 'guest' where id = 'alice'").run();
  clock.advance(MIN);
  const approved = await s.runner.decideApproval(asked.approvals[0]!.id, await s.identify('sam'), 'approve');
  expect(approved.approvals[0]).toMatchObject({ status: 'approved' });
  const started = s.database.sqlite.prepare("select count(*) n from audit where kind = 'execution_started'").get() as { n: number };
  expect(started.n).toBe(0);
  clock.advance(MIN);
  llm.plans.push({ text: null, calls: [call('execute_remote_command', { device_id: 'LAPTOP-INTERN-01', command: 'wipe' })] });
  const second = await s.runner.handleMessage('t2', await s.identify('intern'), 'wipe my laptop');
  expect(second.proposals[0]).toMatchObject({ decision: 'deny' });
  expect(second.reply).toMatch(/"wipes"/);
  await s.close();

  expect(replay(file, db)).toMatchObject({ replayed: 2, unchanged: 2, changes: [] });
});
