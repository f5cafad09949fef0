// "yes, confirm": the requester's own answer, typed in the thread, to the confirmation Sentinel asked
// them for in its last reply ("Please confirm it yourself … (request apr_…)"). Pure: which confirmations
// are the requester's and still waiting comes from the propose actor; the runner then answers the request
// exactly as `--approve` by the requester does, with all of its re-checks.

/** A confirmation of the requester's own still waiting in this thread (approval required: 'requester'). */
export interface Confirmable {
  id: string;
  /** "wipe LAPTOP-ALICE-01", for the reply. */
  what: string;
}

/** Words a typed confirmation may consist of, and nothing else: "yes", "yes, confirm", "confirm", "ok go ahead". */
const YES = new Set(['yes', 'yep', 'yeah', 'yup', 'sure', 'ok', 'okay', 'confirm', 'confirmed', 'confirming']);
const FILLER = new Set(['i', 'please', 'pls', 'go', 'ahead', 'do', 'it', 'proceed', 'confirm', 'confirmed', 'that', 'this', 'yes', 'yep', 'yeah', 'sure', 'ok', 'okay', 'thanks', 'thank', 'you', 'request', 'the']);

/** The approval id the last reply asked the requester to confirm ("… confirm it yourself … (request apr_…"). */
export function askedToConfirm(lastAssistant: string | null | undefined): string | null {
  if (!lastAssistant) return null;
  // Also the reply to a yes that was cut short before the request was answered (a crash): saying it again works.
  return /confirm it yourself[^]*?\(request (apr_[a-z0-9]+)|^You confirmed request (apr_[a-z0-9]+) /i.exec(lastAssistant)?.slice(1).find(Boolean) ?? null;
}

/** True for a short affirmative made only of confirmation words (no negation, no other request, nobody named). */
export function isTypedConfirmation(message: string, id?: string): boolean {
  const text = message
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(id ? new RegExp(`\\b${id}\\b`, 'g') : /$^/, ' ')
    .replace(/[!.,;:?\s]+/g, ' ')
    .trim();
  if (!text || text.length > 60) return false;
  const words = text.split(' ');
  if (!YES.has(words[0]!) && !(words[0] === 'i' && words[1]?.startsWith('confirm')) && words[0] !== 'go' && words[0] !== 'please') return false;
  if (!words.some((w) => YES.has(w) || w === 'ahead' || w === 'proceed')) return false;
  return words.every((w) => FILLER.has(w));
}

/**
 * The requester's confirmation this message gives: the one Sentinel's last reply asked them for, when it is
 * theirs and still waiting (`confirmable`) and the message is a bare "yes" / "confirm". Null otherwise: a
 * yes typed by anyone else, or to anything else, confirms nothing.
 */
export function typedConfirmation(message: string, lastAssistant: string | null | undefined, confirmable: readonly Confirmable[]): Confirmable | null {
  // "yes, confirm apr_…": the request named, whatever was said since.
  const named = confirmable.find((c) => message.toLowerCase().includes(c.id));
  if (named) return isTypedConfirmation(message, named.id) ? named : null;
  const asked = askedToConfirm(lastAssistant);
  if (!asked) return null;
  const mine = confirmable.find((c) => c.id === asked);
  return mine && isTypedConfirmation(message, asked) ? mine : null;
}

/**
 * A bare "yes" when the last reply asked nothing of it, while confirmations of the requester's are waiting
 * further back in the thread: which ones, and how to confirm one. Null when none is waiting or the message is
 * not a bare confirmation.
 */
export function whichConfirmation(message: string, confirmable: readonly Confirmable[]): string | null {
  if (!confirmable.length || !isTypedConfirmation(message)) return null;
  const list = confirmable.slice(0, 3).map((c) => `${c.id} (${c.what})`).join(', ');
  return `Waiting for your confirmation in this conversation: ${list}. To confirm one, say "yes, confirm ${confirmable[0]!.id}" with its id.`;
}
