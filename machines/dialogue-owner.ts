import type { DialogueState, Plan } from './types';

/**
 * A thread's memory (a question asked, an offer made, a request waiting for a slot, the person and
 * device last talked about) belongs to the person it was made for. In a shared thread someone else's
 * "yes", "mine" or "admin for 72 hours" must never complete another person's request, offer or question:
 * for them the thread has no memory. Memory stored before it had an owner is the speaker's.
 */
export function dialogueFor(dialogue: DialogueState | null | undefined, speaker: string): DialogueState | null {
  if (!dialogue) return null;
  return dialogue.owner === undefined || dialogue.owner === speaker ? dialogue : null;
}

/**
 * The memory to keep after `speaker`'s turn: what their plan asked to keep, marked as theirs (whatever a
 * provider wrote there). When the memory was someone else's and still waits for their answer (or the
 * speaker's plan keeps nothing), it stays theirs: a colleague's aside does not erase the question the
 * owner is about to answer.
 */
export function dialogueAfter(plan: Plan, speaker: string, before: DialogueState | null | undefined): Plan {
  if (before && isSomeoneElses(before, speaker) && (!plan.dialogue || waitsForAnswer(before))) return { ...plan, dialogue: before };
  return plan.dialogue ? { ...plan, dialogue: { ...plan.dialogue, owner: speaker } } : plan;
}

/** Memory made for someone other than `speaker`. */
export const isSomeoneElses = (dialogue: DialogueState | null | undefined, speaker: string): boolean => !!dialogue && dialogueFor(dialogue, speaker) === null;

/** A question or offer still open for its owner: another speaker's turn does not take its place. */
const waitsForAnswer = (d: DialogueState) => !!(d.pending || d.offer || d.unresolved);
