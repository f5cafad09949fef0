import type { Approvers } from '../../policies/schema';
import type { Decision, Target } from '../../policies/types';

/** "IT admins", "users sam, cto", "group it-leads", "Slack user group S0…". */
export function approversText(spec: Approvers | undefined): string {
  if (!spec || spec === 'admins') return 'IT admins';
  if ('users' in spec) return `users ${spec.users.join(', ')}`;
  if ('group' in spec) return `group ${spec.group}`;
  return `Slack user group ${spec.slack_usergroup}`;
}

/** What a decision means for who answers, in a few words; equal labels are the same decision. */
export function decisionLabel(d: { effect?: string; decision?: string; required?: string; approvals?: number; approvers?: unknown }): string {
  const effect = d.effect ?? d.decision ?? '?';
  if (effect !== 'require_approval') return effect;
  if (d.required === 'requester') return 'require_approval (requester confirms)';
  const n = typeof d.approvals === 'number' ? d.approvals : 1;
  const spec = d.approvers as Approvers | undefined;
  return `require_approval${n > 1 ? ` ×${n}` : ''}${spec && spec !== 'admins' ? ` by ${approversText(spec)}` : ''}`;
}

export function targetText(target: Target | null | undefined, requester: string): string {
  if (!target) return 'not looked up';
  if (target.kind === 'none') return 'none (the requester’s own)';
  if (target.owner === null) return `${target.kind} ${target.id}: not found`;
  const whose = target.owner === requester ? 'own' : 'other';
  return `${target.kind} ${target.id}, owner ${target.owner} (${whose})${target.state ? `, state ${target.state}` : ''}`;
}

export const utcMinute = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + 'Z';

export const shortHash = (hash: string) => `sha256 ${hash.slice(0, 12)}…`;

export type { Decision };
