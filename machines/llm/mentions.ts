// Who a message talks about, as written: the planner's first pass. The propose actor looks each mention
// up in the directory (machines/actors/propose.ts) and the planner acts on what it resolved to.

/** Words that follow "for", "of", "give" or precede "'s" without naming anyone. */
const NOT_PEOPLE = new Set(
  (
    'me my myself mine i you your yourself us our we it its it’s this that these those there here what who where when why how ' +
    'he she they him her them his their someone somebody everyone everybody anyone nobody all team the a an some ' +
    'hour hours day days week weeks month today tomorrow tonight now a while please access read write admin project work ' +
    'ticket tickets laptop laptops device devices computer mac machine password account login let lets that’s what’s ' +
    'there’s here’s who’s where’s how’s today’s yesterday’s tomorrow’s company company’s team’s everyone’s somebody’s someone’s ' +
    'reason example instance sure real emergency deploy deployment release testing test review meeting demo client customer ' +
    'home office travel help support it pw pwd everything everyone old new spare other second first main'
  ).split(' '),
);

/** Someone else's, referred back to: "her laptop", "reset it for him". */
export const PRONOUN = /\b(?:her|his|their|him|them)\b/;

export interface PersonMention {
  /** The name, id or email as written (lowercased). */
  text: string;
  /**
   * A strong mention ("bob's password", "give bob", an email) names a person for sure: unknown, it gets a
   * question. A weak one ("for bob") counts only if the directory knows the name.
   */
  strong: boolean;
}

const candidate = (t: string, systems: readonly string[]) =>
  t.length > 1 && !NOT_PEOPLE.has(t) && !/^\d/.test(t) && !systems.includes(t) && !/^(?:it|laptop|device)-/.test(t);

/** People named in `text` (already lowercased), in order of appearance, without repeats. */
export function personMentions(text: string, systems: readonly string[] = []): PersonMention[] {
  const found: Array<PersonMention & { at: number }> = [];
  const add = (t: string, at: number, strong: boolean) => {
    const clean = t.replace(/^@/, '').replace(/[.,!?;:]+$/, '');
    if (candidate(clean, systems)) found.push({ text: clean, strong, at });
  };
  for (const m of text.matchAll(/[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/g)) add(m[0], m.index, true);
  for (const m of text.matchAll(/@?\b([a-z][a-z0-9._-]*)['’]s\b/g)) add(m[1]!, m.index, true);
  for (const m of text.matchAll(/\b(?:give|grant|user)\s+(?:the\s+)?@?([a-z][a-z0-9._-]*)\b(?!['’]s)/g)) add(m[1]!, m.index, true);
  for (const m of text.matchAll(/\b(?:for|of|on behalf of)\s+(?:the\s+)?@?([a-z][a-z0-9._-]*)\b(?!['’]s)/g)) add(m[1]!, m.index, false);
  // "alice lost …", "Ivy Intern needs …": a name (one or two words) starting the sentence.
  for (const m of text.matchAll(/(?:^|[,;:]\s*|\bthat\s+)@?([a-z][a-z0-9._-]*(?: [a-z][a-z0-9._-]*)?)\s+(?:lost|needs|wants|forgot|can'?t|cannot|is locked|has lost|is locked out)\b/g)) {
    const words = m[1]!.split(' ');
    if (words.every((w) => candidate(w, systems))) add(m[1]!, m.index + m[0].indexOf(m[1]!), false);
  }
  // "reset intern password", "lock the alice laptop": a name right before what it owns.
  for (const m of text.matchAll(/\b(?:reset|unlock|lock|wipe|restart|reboot|check)\s+(?:the\s+)?@?([a-z][a-z0-9._-]*)\s+(?:password|account|login|laptop|device|computer|mac|machine)\b/g)) add(m[1]!, m.index, false);
  const seen = new Set<string>();
  return found
    .sort((a, b) => a.at - b.at)
    .filter((m) => !seen.has(m.text) && seen.add(m.text))
    .map(({ text: t, strong }) => ({ text: t, strong }));
}
