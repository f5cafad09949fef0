import { z } from 'zod';
import type { Target } from '../policies/types';

/**
 * What every question about one's own things shares (list_my_access, list_my_tickets,
 * list_pending_approvals): no arguments, no target beyond the requester, nothing changed, safe to re-run.
 */
export const ownReadOnly = {
  input: z.object({}).strict(),
  risk: 'read',
  reversible: true,
  idempotent: true,
  target: async (): Promise<Target> => ({ kind: 'none' }),
} as const;

/** An epoch-ms time as "2026-12-02 18:54" (UTC), for summaries. */
export const utcMinute = (ms: unknown): string => new Date(Number(ms)).toISOString().replace('T', ' ').slice(0, 16);
