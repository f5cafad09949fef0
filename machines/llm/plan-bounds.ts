import { z } from 'zod';
import type { DialogueState, Plan, RawCall } from '../types';

/** What Sentinel accepts back from any LLM provider: it is untrusted input, and plans are persisted. */
export const PLAN_LIMITS = {
  text: 4000,
  /** Calls recorded per message (each is decided and audited); at most MAX_PROPOSALS_PER_TURN are considered. */
  calls: 20,
  name: 100,
  /** Characters of argument JSON; the largest valid tool input is well under this. */
  args: 16_384,
};

/**
 * Coerces whatever a provider returned into a bounded Plan. Oversized arguments keep one character
 * more than the limit, so the guard can tell them apart and deny them with a reason.
 */
export function boundPlan(raw: unknown): Plan {
  const p = (raw && typeof raw === 'object' ? raw : {}) as { text?: unknown; calls?: unknown; dialogue?: unknown; withdraw?: unknown };
  const text = typeof p.text === 'string' && p.text.trim() ? p.text.trim().slice(0, PLAN_LIMITS.text) : null;
  const calls: RawCall[] = (Array.isArray(p.calls) ? p.calls : []).slice(0, PLAN_LIMITS.calls).map((c: unknown) => {
    const call = (c && typeof c === 'object' ? c : {}) as { name?: unknown; arguments?: unknown };
    return {
      name: typeof call.name === 'string' ? call.name.slice(0, PLAN_LIMITS.name) : '',
      arguments: typeof call.arguments === 'string' ? call.arguments.slice(0, PLAN_LIMITS.args + 1) : '',
    };
  });
  const dialogue = boundDialogue(p.dialogue);
  return { text, calls, ...(dialogue ? { dialogue } : {}), ...(p.withdraw === true ? { withdraw: true } : {}) };
}

const Dialogue = z
  .object({
    lastPerson: z.string().min(1).max(64).optional(),
    lastDevice: z.string().min(1).max(64).optional(),
    pending: z
      .object({
        tool: z.string().min(1).max(PLAN_LIMITS.name),
        args: z.record(z.union([z.string().max(500), z.number(), z.boolean()])).refine((a) => Object.keys(a).length <= 8),
        missing: z.array(z.string().max(40)).max(5),
      })
      .optional(),
    offer: z.literal('ticket').optional(),
    unresolved: z.string().min(1).max(500).optional(),
    lastRequest: z.string().min(1).max(500).optional(),
    owner: z.string().min(1).max(200).optional(),
  })
  .strict();

/** The dialogue memory a plan asks to keep, if it is small and well-formed; anything else is dropped. */
function boundDialogue(raw: unknown): DialogueState | null {
  const parsed = Dialogue.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
