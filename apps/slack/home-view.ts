import type { types } from '@slack/bolt';
import { and, desc, eq, gt } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { approvalVotesFor, type ApprovalRow } from '../../db/approvals';
import { approvals } from '../../db/schema';
import { approvalDecision, routeNow, storedApprovers, type UsergroupMembers } from '../../machines/approvers';
import { eligible, type Route } from '../../policies/routing';
import type { Actor } from '../../policies/types';
import { describeCall } from '../../tools/registry';
import type { Backends } from '../../tools/backends/types';
import { APPROVE_ACTION, DENY_ACTION } from './blocks/approval-card';
import { clip, escapeMrkdwn } from './mrkdwn';

export interface HomeDeps {
  db: Db;
  backends: Pick<Backends, 'directory' | 'tickets' | 'access'>;
  usergroups?: UsergroupMembers;
  now: () => number;
}

const EXAMPLES = [
  '“reset my password”',
  '“my laptop is slow” (runs a diagnostic on your device)',
  '“I need read access to github for 8 hours”',
  '“lock my laptop, it was stolen”',
  '“what’s the status of IT-1042?”',
];
/** Slack allows 100 blocks in a Home view; each waiting request takes two. */
const MAX_WAITING = 20;
const MAX_MINE = 10;
const MAX_TICKETS = 5;
const MAX_GRANTS = 10;
/** "Request extension" on a grant in My access; the value is the grant's id, checked again on click. */
export const EXTEND_ACTION = 'sentinel_extend_access';

const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const what = (a: Pick<ApprovalRow, 'tool' | 'args'>) => escapeMrkdwn(clip(describeCall(a.tool, safeArgs(a.args)) ?? a.tool, 300));

function safeArgs(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return {};
  }
}

/**
 * The requests waiting for this viewer's answer, by the same rules the click re-checks: their own
 * confirmations, and others' requests whose approvers (resolved against today's directory) include them,
 * in the role the rule asks for, which they have not already approved. The click checks it all again.
 */
export async function waitingFor(deps: HomeDeps, viewer: Actor): Promise<ApprovalRow[]> {
  const pending = deps.db
    .select()
    .from(approvals)
    .where(and(eq(approvals.status, 'pending'), gt(approvals.expiresAt, deps.now())))
    .orderBy(approvals.createdAt)
    .limit(200)
    .all();
  const routes = new Map<string, Promise<Route>>();
  const out: ApprovalRow[] = [];
  for (const a of pending) {
    if (out.length >= MAX_WAITING) break;
    if (a.required === 'requester') {
      if (a.requester === viewer.id) out.push(a);
      continue;
    }
    if (a.requester === viewer.id || viewer.role === 'guest') continue;
    const spec = storedApprovers(a.approvers);
    if (spec === 'admins' ? viewer.role !== 'admin' : false) continue;
    const key = `${a.approvers ?? ''}|${a.requester}|${a.quorum}`;
    let route = routes.get(key);
    if (!route) routes.set(key, (route = routeNow(deps.backends.directory, approvalDecision(a), a.requester, { usergroups: deps.usergroups })));
    if (!eligible(await route, viewer.id)) continue;
    if (approvalVotesFor(deps.db, a.id).includes(viewer.id)) continue;
    out.push(a);
  }
  return out;
}

const STATUS: Record<ApprovalRow['status'], string> = { pending: '⏳ waiting', approved: '✅ approved', denied: '🚫 denied', expired: '⌛ expired' };

/** The viewer's Home tab: what waits for their answer, their own requests, their tickets, what to ask. */
export async function homeView(deps: HomeDeps, viewer: Actor, notice?: string): Promise<types.HomeView> {
  const blocks: types.KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'Sentinel — IT help in Slack' } }];
  if (notice) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `:information_source: ${clip(escapeMrkdwn(notice), 2900)}` } });

  const waiting = await waitingFor(deps, viewer);
  if (waiting.length || viewer.role === 'admin') {
    blocks.push({ type: 'header', text: { type: 'plain_text', text: `Waiting for you (${waiting.length})` } });
    if (!waiting.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'Nothing is waiting for your approval.' } });
    for (const a of waiting) {
      const confirm = a.required === 'requester';
      const who = confirm ? 'your own request: confirm it yourself' : `asked by ${escapeMrkdwn(a.requester)}`;
      blocks.push({ type: 'section', block_id: `waiting:${a.id}`, text: { type: 'mrkdwn', text: `*${what(a)}*\n${who} · expires ${utc(a.expiresAt)} · request ${a.id}` } });
      blocks.push({
        type: 'actions',
        block_id: `decide:${a.id}`,
        elements: [
          { type: 'button', action_id: APPROVE_ACTION, style: 'primary', text: { type: 'plain_text', text: confirm ? 'Confirm' : 'Approve' }, value: a.id },
          { type: 'button', action_id: DENY_ACTION, style: 'danger', text: { type: 'plain_text', text: confirm ? 'Cancel' : 'Deny' }, value: a.id },
        ],
      });
    }
  }

  const mine = deps.db.select().from(approvals).where(eq(approvals.requester, viewer.id)).orderBy(desc(approvals.createdAt)).limit(MAX_MINE).all();
  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'My requests' } });
  const now = deps.now();
  const line = (a: ApprovalRow) => {
    const status = a.status === 'pending' && a.expiresAt <= now ? 'expired' : a.status;
    const when = status === 'pending' ? `expires ${utc(a.expiresAt)}` : a.decidedAt ? utc(a.decidedAt) : utc(a.expiresAt);
    return `${STATUS[status]} · ${what(a)} · ${when}`;
  };
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: mine.length ? clip(mine.map(line).join('\n'), 2900) : 'You have not asked for anything that needed an approval.' } });

  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'My access' } });
  const grants = await deps.backends.access.activeGrants(viewer.id, now);
  if (!grants.ok || !grants.value.length) {
    const accessText = !grants.ok ? 'Your access could not be loaded just now.' : 'You have no time-bound access right now.';
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: accessText } });
  }
  // Each grant in force with "Request extension": a new request for the same system and level, under the
  // same policy, as if the viewer had asked "extend my … access" in a DM (listeners/extend.ts).
  for (const g of grants.ok ? grants.value.slice(0, MAX_GRANTS) : []) {
    blocks.push({
      type: 'section',
      block_id: `grant:${g.id}`,
      text: { type: 'mrkdwn', text: clip(`• *${escapeMrkdwn(g.system)}* ${escapeMrkdwn(g.level)} until ${utc(g.expiresAt)} (revoked automatically then)`, 2900) },
      accessory: { type: 'button', action_id: EXTEND_ACTION, text: { type: 'plain_text', text: 'Request extension' }, value: String(g.id) },
    });
  }

  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'My tickets' } });
  const tickets = await deps.backends.tickets.listByRequester(viewer.id, MAX_TICKETS);
  const ticketText = !tickets.ok
    ? 'Your tickets could not be loaded just now.'
    : tickets.value.length
      ? tickets.value.map((t) => `• *${escapeMrkdwn(t.id)}* ${escapeMrkdwn(clip(t.summary, 150))}: ${escapeMrkdwn(t.status)}`).join('\n')
      : 'You have no tickets.';
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(ticketText, 2900) } });

  blocks.push({ type: 'divider' });
  blocks.push({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: 'Send me a DM or @mention me in a channel, in your own words. I answer in the thread. Anything destructive or privileged waits for an IT admin’s approval.',
    },
  });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Try:*\n${EXAMPLES.map((e) => `• ${e}`).join('\n')}` } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `You are signed in as *${viewer.role}*${viewer.role === 'guest' ? ': you can check the status of your own tickets.' : '.'}` }] });
  return { type: 'home', blocks };
}
