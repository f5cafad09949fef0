import type { TicketKeys } from './provider';

// Ticket keys as the configured Tickets backend writes them (Tickets.keyPattern / keyExample): `IT-1042`
// embedded, `HELP-7` with a Jira project HELP. Pure: the pattern comes in with the planner's request.

/** The embedded helpdesk's keys, for a request that does not say (tests, callers without a backend). */
export const DEFAULT_TICKET_KEYS: TicketKeys = { pattern: /^IT-(\d{1,9})$/i, example: 'IT-1042' };

/** "HELP" from "HELP-1042": the project prefix the example shows, when it has one. */
function prefixOf(keys: TicketKeys): string | null {
  const m = /^([A-Za-z][A-Za-z0-9_]{0,9})-\d+$/.exec(keys.example);
  return m ? m[1]!.toUpperCase() : null;
}

/** The backend's pattern, unanchored, to find keys inside a message. */
function searchPattern(keys: TicketKeys): RegExp {
  const source = keys.pattern.source.replace(/^\^/, '').replace(/\$$/, '');
  return new RegExp(`(?<![A-Za-z0-9_])(?:${source})(?![A-Za-z0-9_])`, 'gi');
}

/** A key as the backend writes it: letters upper-cased, the number without leading zeros ("it-0042" → "IT-42"). */
function canonical(key: string): string {
  return key.toUpperCase().replace(/(\d+)$/, (n) => String(Number(n)));
}

/** True when `id` is one of the backend's ticket keys (any case). */
export function isTicketKey(id: string, keys: TicketKeys = DEFAULT_TICKET_KEYS): boolean {
  return keys.pattern.test(id.trim());
}

/**
 * The ticket keys a message names, as the backend writes them: "HELP-7", "help-7", "HELP 7", "HELP#7",
 * and "ticket 1042" / "case #1042" (the number under the backend's prefix). Only keys the backend's pattern
 * accepts are kept.
 */
export function ticketIdsIn(raw: string, keys: TicketKeys = DEFAULT_TICKET_KEYS): string[] {
  const ids = new Set<string>();
  const add = (k: string) => {
    const key = canonical(k);
    if (keys.pattern.test(key)) ids.add(key);
  };
  for (const m of raw.matchAll(searchPattern(keys))) add(m[0]);
  const prefix = prefixOf(keys);
  if (prefix) {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const m of raw.matchAll(new RegExp(`(?<![A-Za-z0-9_])${escaped}[-\\s#]?(\\d{1,9})\\b`, 'gi'))) add(`${prefix}-${m[1]}`);
    for (const m of raw.matchAll(/\b(?:ticket|case|request)\s*(?:number|no\.?|#)?\s*#?(\d{3,9})\b/gi)) add(`${prefix}-${m[1]}`);
  }
  return [...ids];
}
