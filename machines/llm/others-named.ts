import { canonicalText } from './canonical';
import { bareNames, personMentions } from './mentions';
import { describedPerson, hasFirstPerson, readPeople } from './people-in-message';

// The guard's safety net under any provider (machines/actors/guard.ts): who a message names besides the
// requester, when it never speaks of the requester. The directory decides who the names are; this reads
// only the text, as the offline planner does, and is pure.

export interface NamedInMessage {
  /** Names, ids and emails a pattern found ("alice's", "for bob", "<@U0123>"): strong ones name someone for sure. */
  mentions: Array<{ text: string; strong: boolean }>;
  /** Other words that might be someone's name or id ("reset password, alice"): people only if the directory knows them. */
  bare: string[];
  /** Someone described, not named ("a contractor"), or null. */
  described: string | null;
}

/**
 * The people a message may name other than its author — null when it has a first-person word (I, me, my,
 * mine, myself), since then it may well be about the requester. People the message excludes ("not alice's")
 * or only quotes ("alice said…") are left out; so are ticket keys (`isTicket`).
 */
export function namedWithoutSelf(message: string, systems: readonly string[], isTicket: (s: string) => boolean = () => false): NamedInMessage | null {
  const text = canonicalText(message.slice(0, 4000))
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
  if (hasFirstPerson(text)) return null;
  const reading = readPeople(text, systems);
  const mentions = personMentions(reading.kept, systems).filter((m) => !reading.excluded.includes(m.text) && !isTicket(m.text));
  const bare = bareNames(reading.kept, systems).filter((w) => !reading.excluded.includes(w) && !isTicket(w));
  return { mentions, bare, described: describedPerson(reading.kept) };
}
