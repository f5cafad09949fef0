import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import YAML from 'yaml';
import { DEFAULT_POLICY_FILE } from '../policies/load';
import { tempDbPath } from './support/harness';
import { runEntry } from './support/processes';

// Who may Deny a waiting request, through the CLI (child processes, the offline planner, a real SQLite
// file): anyone who could approve it, the requester (withdrawing, never approving), and for an admin's
// self-confirmation also another admin. Someone it does not belong to is refused and shown nothing of it.

type Result = { thread: string; reply: string; approvals: Array<{ id: string; status: string; required: string }>; executed: unknown[] };

function session(policyFile?: string) {
  const db = tempDbPath();
  const env: Record<string, string> = { SENTINEL_DB: db, SENTINEL_LLM: 'offline', ...(policyFile ? { SENTINEL_POLICY: policyFile } : {}) };
  const cli = (args: string[]) => {
    const r = runEntry('apps/cli/main.ts', args, env);
    if (r.code !== 0) throw new Error(`CLI exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const ask = (as: string, text: string, thread = 't'): Result => JSON.parse(cli(['--as', as, '--thread', thread, '--json', text])) as Result;
  const decide = (as: string, verb: 'approve' | 'deny', id: string): Result => JSON.parse(cli(['--as', as, '--json', `--${verb}`, id])) as Result;
  const decideText = (as: string, verb: 'approve' | 'deny', id: string): string => cli(['--as', as, `--${verb}`, id]);
  const wipes = (): number => {
    const r = new Database(db, { readonly: true });
    try {
      return (r.prepare("select count(*) n from device_commands where command = 'wipe'").get() as { n: number }).n;
    } finally {
      r.close();
    }
  };
  return { ask, decide, decideText, wipes };
}

/** Nothing of the request — its action, device, thread or state — in what a refused outsider is shown. */
function revealsNothing(out: string, device: string): void {
  expect(out).not.toMatch(new RegExp(`${device}|execute_remote_command|wipe|pending|"t"|thread t\b`, 'i'));
}

describe("an admin's self-confirmation of a wipe of someone else's device", () => {
  const s = session();
  const asked = s.ask('sam', "wipe alice's laptop");
  const id = asked.approvals[0]!.id;

  test('waits for sam’s own confirmation', () => {
    expect(asked.approvals[0]).toMatchObject({ required: 'requester', status: 'pending' });
  });

  test.each(['guest', 'intern', 'alice'])('%s may neither confirm nor deny it, and is shown nothing of it', (who) => {
    const denied = s.decide(who, 'deny', id);
    expect(denied.reply).toBe(who === 'guest' ? "Guest accounts cannot deny other people's requests." : 'Only the person who asked or an IT admin can deny this action.');
    expect(denied.approvals).toEqual([]);
    expect(denied.thread).toBe('');
    revealsNothing(JSON.stringify(denied), 'LAPTOP-ALICE-01');
    revealsNothing(s.decideText(who, 'deny', id), 'LAPTOP-ALICE-01');
    const approved = s.decide(who, 'approve', id);
    expect(approved.reply).toBe(who === 'guest' ? "Guest accounts cannot approve other people's requests." : 'Only the person who asked can confirm this action.');
    revealsNothing(JSON.stringify(approved), 'LAPTOP-ALICE-01');
    revealsNothing(s.decideText(who, 'approve', id), 'LAPTOP-ALICE-01');
  });

  test('another admin cannot confirm it, but can deny it: nothing runs, and sam can no longer confirm', () => {
    expect(s.decide('cto', 'approve', id).reply).toMatch(/Only the person who asked can confirm/);
    const denied = s.decide('cto', 'deny', id);
    expect(denied.approvals[0]).toMatchObject({ id, status: 'denied' });
    expect(denied.reply).toMatch(/declined by cto/);
    expect(denied.reply).not.toMatch(/approv|confirm/i);
    expect(s.decide('sam', 'approve', id).reply).toMatch(/already denied by cto/);
    expect(s.wipes()).toBe(0);
  });
});

describe("an employee's wipe, which needs an IT admin", () => {
  test('the requester cannot approve it; a non-admin cannot deny it and is told "deny"; another admin denies it', () => {
    const s = session();
    const id = s.ask('alice', 'wipe my laptop').approvals[0]!.id;
    expect(s.decide('alice', 'approve', id).reply).toMatch(/cannot approve your own request/);
    for (const who of ['intern', 'guest']) {
      const refused = s.decide(who, 'deny', id);
      expect(refused.reply).toBe(who === 'guest' ? "Guest accounts cannot deny other people's requests." : 'Only IT admins can deny requests.');
      revealsNothing(JSON.stringify(refused), 'LAPTOP-ALICE-01');
    }
    const guestApprove = s.decide('guest', 'approve', id);
    expect(guestApprove.reply).toBe("Guest accounts cannot approve other people's requests.");
    revealsNothing(JSON.stringify(guestApprove), 'LAPTOP-ALICE-01');
    revealsNothing(s.decideText('guest', 'approve', id), 'LAPTOP-ALICE-01');
    const denied = s.decide('cto', 'deny', id);
    expect(denied.approvals[0]).toMatchObject({ status: 'denied' });
    expect(denied.reply).toMatch(/declined by cto/);
    // Once decided, an outsider still learns nothing (not even who decided).
    const late = s.decide('guest', 'approve', id);
    expect(late.reply).toBe("Guest accounts cannot approve other people's requests.");
    expect(s.wipes()).toBe(0);
  });

  test('the requester may withdraw it; nothing runs', () => {
    const s = session();
    const id = s.ask('alice', 'wipe my laptop').approvals[0]!.id;
    const withdrawn = s.decide('alice', 'deny', id);
    expect(withdrawn.approvals[0]).toMatchObject({ status: 'denied' });
    expect(withdrawn.reply).toMatch(/Withdrawn: your request to wipe LAPTOP-ALICE-01/);
    expect(s.wipes()).toBe(0);
  });
});

describe('listed approvers and a quorum', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-deny-'));
  const doc = YAML.parse(fs.readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as { rules: Array<Record<string, unknown>> };
  Object.assign(doc.rules.find((r) => r.id === 'employee-wipe-own-device')!, { approvers: { users: ['cto', 'sam'] }, approvals: 2 });
  const file = path.join(dir, 'quorum.yaml');
  fs.writeFileSync(file, YAML.stringify(doc));

  test('an approver who already approved may still deny; the requester may not approve', () => {
    const s = session(file);
    const id = s.ask('intern', 'wipe my laptop').approvals[0]!.id;
    expect(s.decide('sam', 'approve', id).reply).toMatch(/recorded: 1 of 2/);
    expect(s.decide('intern', 'approve', id).reply).toMatch(/cannot approve your own request/);
    expect(s.decide('alice', 'deny', id).reply).toBe('Only the listed approvers (cto, sam) can deny this request.');
    expect(s.decide('sam', 'deny', id).approvals[0]).toMatchObject({ status: 'denied' });
    expect(s.wipes()).toBe(0);
  });
});
