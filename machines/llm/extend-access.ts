import type { RequesterGrant } from './provider';
import { accessLevel, durationHours, findSystem } from './request-details';

// "Extend my access": a new access request under the same policy, for the system and level of the
// requester's grant in force (or, none in force, the one that ended last). Pure: the grants come in with
// the planner's request (machines/actors/propose.ts).

const WORDS: Record<string, number> = { a: 1, an: 1, one: 1, another: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, twelve: 12, 'a few': 3, few: 3, couple: 2, 'a couple of': 2 };
const MORE = /\b(\d{1,3}|an?|one|two|three|four|five|six|seven|eight|twelve|a few|a couple of|another)\s+(?:more|extra|additional)?\s*(h|hrs?|hours?|d|days?)\b(?:\s+more)?/;
const MORE_WORD = /\b(?:more|extra|additional)\s+(?:time|hours?|days?)\b|\b\d{1,3}\s*(?:h|hrs?|hours?|days?)\s+more\b|\banother (?:hour|day|\d{1,3} (?:hours?|days?))\b|\bby (?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|twelve|a few)\s*(?:h|hrs?|hours?|days?)\b|\bfor longer\b/;
const EXTEND_VERB = /\b(?:extend|extends|extended|extension|renew|renewal|prolong|lengthen|keep)\b/;
const ACCESS_WORD = /\b(?:access|grant|grants|permissions?|rights)\b/;

/** True when the clause asks for more time on access: "extend my access", "can I have aws-prod for 2 more hours". */
export function asksToExtend(text: string, systems: readonly string[]): boolean {
  if (/\b(?:certificate|cert|licen[cs]e|subscription|warranty|password|laptop|battery|ticket)\b/.test(text)) return false;
  const aboutAccess = ACCESS_WORD.test(text) || systems.some((s) => findSystem(text, [s]) === s);
  if (!aboutAccess) return false;
  if (EXTEND_VERB.test(text)) return !/\bkeep\b/.test(text) || /\bkeep (?:my |the )?(?:\S+ )?(?:access|grant)\b/.test(text);
  return MORE_WORD.test(text);
}

/** Hours asked for on top of what is left ("2 more hours", "another day"), or null. */
function moreHours(text: string): number | null {
  if (!MORE_WORD.test(text)) return null;
  const m = MORE.exec(text);
  if (!m) return null;
  const n = /^\d/.test(m[1]!) ? Number(m[1]) : (WORDS[m[1]!] ?? 1);
  return n * (m[2]!.startsWith('d') ? 24 : 1);
}

export type Extension =
  | { kind: 'call'; args: { user: string; system: string; level: RequesterGrant['level']; duration_hours: number; reason: string } }
  /** Several systems held: ask which; the answer (a system) fills `pending`. */
  | { kind: 'which'; text: string; pending: { tool: 'provision_access'; args: Record<string, string | number | boolean>; missing: ['system'] } }
  | { kind: 'none'; text: string };

const LEVEL_RANK = { read: 0, write: 1, admin: 2 } as const;

/** The grant a system names: the one in force that ends last (highest level first), else the one that ended last. */
function grantFor(grants: readonly RequesterGrant[], system: string): RequesterGrant | null {
  const held = grants.filter((g) => g.system === system);
  const active = held.filter((g) => g.active).sort((a, b) => LEVEL_RANK[b.level] - LEVEL_RANK[a.level] || b.hoursLeft - a.hoursLeft);
  return active[0] ?? held[0] ?? null;
}

/** The request for `grant` again: the same level (unless the text names one), for the hours asked or as long as before. */
export function extensionOf(user: string, grant: RequesterGrant, text: string): Extract<Extension, { kind: 'call' }> {
  const more = moreHours(text);
  const stated = more === null ? durationHours(text.replace(/\b(?:more|extra|additional)\b/g, ' ')) : null;
  // "2 more hours" on access still in force: until 2 hours after it ends now.
  const hours = more !== null ? (grant.active ? grant.hoursLeft + more : more) : (stated ?? grant.hours);
  const level = accessLevel(text.replace(/\baccess\b/g, ' ')) ?? grant.level;
  return { kind: 'call', args: { user, system: grant.system, level, duration_hours: Math.max(1, Math.min(hours, 720)), reason: `Extension of ${grant.level} access to ${grant.system} (${grant.active ? `ends ${grant.until}` : `ended ${grant.until}`})` } };
}

/**
 * The answer to "which one should I extend?" ("github"): the request for that grant, with the hours the
 * first message asked for; null when the requester holds no grant of that system.
 */
export function extensionFromAnswer(args: Record<string, unknown>, grants: readonly RequesterGrant[]): Extract<Extension, { kind: 'call' }>['args'] | null {
  const g = grantFor(grants, String(args.system));
  if (!g) return null;
  const more = typeof args.more_hours === 'number' ? args.more_hours : null;
  const hours = more !== null ? (g.active ? g.hoursLeft + more : more) : typeof args.duration_hours === 'number' ? args.duration_hours : g.hours;
  return { user: String(args.user), system: g.system, level: g.level, duration_hours: Math.max(1, Math.min(hours, 720)), reason: `Extension of ${g.level} access to ${g.system} (${g.active ? `ends ${g.until}` : `ended ${g.until}`})` };
}

/** Plans "extend my access" for the requester `user` from their grants. */
export function planExtension(user: string, grants: readonly RequesterGrant[], text: string, systems: readonly string[]): Extension {
  // Only a system that exists ("access for another day" names none).
  const found = findSystem(text, [...systems]);
  const system = found && (systems.includes(found) || grants.some((g) => g.system === found)) ? found : null;
  if (system) {
    const g = grantFor(grants, system);
    if (g) return extensionOf(user, g, text);
    return { kind: 'none', text: `You don't have access to ${system} to extend. To ask for it, say for example "I need read access to ${system} for 8 hours".` };
  }
  const inForce = [...new Set(grants.filter((g) => g.active).map((g) => g.system))];
  if (inForce.length === 1) return extensionOf(user, grantFor(grants, inForce[0]!)!, text);
  if (inForce.length > 1) {
    const list = inForce.map((s) => grantFor(grants, s)!).map((g) => `${g.system} (${g.level}, until ${g.until})`);
    const more = moreHours(text);
    const stated = more === null ? durationHours(text) : null;
    return {
      kind: 'which',
      text: `You have access to ${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}. Which one should I extend?`,
      pending: { tool: 'provision_access', args: { user, extend: true, ...(more !== null ? { more_hours: more } : stated ? { duration_hours: stated } : {}) }, missing: ['system'] },
    };
  }
  const last = grants.find((g) => !g.active);
  if (last) return extensionOf(user, last, text);
  return { kind: 'none', text: 'You have no access grant to extend. To ask for access, say for example "I need read access to github for 8 hours".' };
}
