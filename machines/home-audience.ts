import { homesOfApprovers } from '../db/outbox';
import type { AgentContext } from './agent';

/** Tools whose success changes what someone's Home tab lists (My access, My tickets). */
const SHOWN_ON_HOME = new Set(['provision_access', 'create_support_ticket']);

/**
 * Whose Home tab a settled turn changed, for enqueueHomeRefresh: with requests made, decided or expired,
 * the requester, whoever decided, and whoever may approve each of them (their "Waiting for you"); with access given
 * or a ticket opened, the requester and the person the access is for. Directory ids (as the turn knows them).
 */
export function homeAudience(c: Pick<AgentContext, 'requester' | 'approvals' | 'executed'>): string[] {
  const out: string[] = [];
  if (c.approvals.length) {
    if (c.requester) out.push(c.requester.id);
    for (const a of c.approvals) {
      if (a.decidedBy) out.push(a.decidedBy);
      out.push(homesOfApprovers(a.id));
    }
  }
  for (const e of c.executed) {
    if (!e.ok || !SHOWN_ON_HOME.has(e.tool)) continue;
    if (c.requester) out.push(c.requester.id);
    if (typeof e.args.user === 'string') out.push(e.args.user);
  }
  return [...new Set(out)];
}
