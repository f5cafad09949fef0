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
    'home office travel help support it pw pwd everything everyone old new spare other second first main good now real later ' +
    'once free sure ages nothing anything something'
  ).split(' '),
);

/** Things that can start a sentence like a person does ("the printer can't connect", "wifi is down"). */
const THINGS = new Set(
  (
    'printer projector screen monitor keyboard mouse wifi internet network vpn email outlook zoom slack phone dock charger ' +
    'camera webcam headset battery disk fan app software computer mac pc machine system server site page button'
  ).split(' '),
);

/** What commonly qualifies an account or a device ("reset okta password", "lock work laptop"): not a person. */
const MODIFIERS = new Set(
  (
    'okta email mail gmail windows win domain ad sso wifi work company corporate dell hp lenovo apple macbook thinkpad old new spare ' +
    'backup personal office main second primary admin root local network zoom slack google microsoft ms office365 o365 outlook jira ' +
    'confluence azure aws github gitlab vpn salesforce sap workday figma notion teams bios firmware pin wireless test loaner home ' +
    'travel shared team current same other whole entire this that'
  ).split(' '),
);

/** Someone else, referred back to: "her laptop", "reset it for him", "she can't log in". */
export const PRONOUN = /\b(?:her|his|their|him|them|she|he)\b/;

/**
 * What may follow "for X" / "of X" when X is a person ("for bob", "for bob please", "for bob, he…").
 * A noun after it means X describes a thing: "for the quarterly report", "out of disk space".
 */
const AFTER_PERSON =
  "(?=\\s*(?:$|[,.!?;:)]|\\s(?:please|pls|too|also|asap|urgently|immediately|again|and|or|but|on|in|to|at|from|with|so|because|since|as|who|whose|now|today|tonight|tomorrow|this|next|by|until|before|after|while|when|if|thanks|thank|she|he|they|it|is|was|has|needs|can't|cannot)\\b))";

/** A letter of a name in any script, and the characters a user id may hold. */
const N0 = '\\p{L}';
const N = '[\\p{L}\\p{M}\\p{N}._-]';
/** Word boundaries that know non-ASCII letters (`\b` does not: "alíce" has one after "í"); a stray mark is part of the name. */
const B = '(?<![\\p{L}\\p{M}\\p{N}_])';
const E = '(?![\\p{L}\\p{M}\\p{N}_])';

export interface PersonMention {
  /** The name, id or email as written (lowercased). */
  text: string;
  /**
   * A strong mention ("bob's password", "give bob", "for bob", "bob can't log in", an email) names a person
   * for sure: unknown, it gets a question. A weak one ("reset okta password") counts only if the directory
   * knows the name.
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
  const re = (source: string) => new RegExp(source, 'gu');
  // A Slack user mention ("<@U0123ABC>") names someone for sure. The directory does not know Slack ids (and a
  // label, "<@U0123ABC|sam>", is a Slack display name, not a directory name): asked about, never the requester.
  for (const m of text.matchAll(/<@([a-z0-9]+)(?:\|[^>]{0,80})?>/g)) add(`<@${m[1]}>`, m.index, true);
  for (const m of text.matchAll(re(`${B}[\\p{L}\\p{N}._%+-]+@[\\p{L}\\p{N}.-]+\\.[\\p{L}]{2,}`))) add(m[0], m.index, true);
  for (const m of text.matchAll(re(`@?${B}(${N0}${N}*)['’]s${E}`))) add(m[1]!, m.index, true);
  for (const m of text.matchAll(re(`\\b(?:give|grant|user)\\s+(?:the\\s+)?@?(${N0}${N}*)${E}(?!['’]s)`))) add(m[1]!, m.index, true);
  for (const m of text.matchAll(re(`\\b(?:add|invite|onboard)\\s+(?:the\\s+)?@?(${N0}${N}*)\\s+(?:to|on|in)\\b`))) add(m[1]!, m.index, true);
  for (const m of text.matchAll(re(`\\b(?:for|of|on behalf of)\\s+(?:the\\s+)?@?(${N0}${N}*)${E}(?!['’]s)${AFTER_PERSON}`))) add(m[1]!, m.index, true);
  // "alice lost …", "the intern can't …", "Ivy Intern says …": a name (one or two words) starting the sentence.
  for (const m of text.matchAll(
    re(`(?:^|[,;:.]\\s*|\\b(?:that|and|but|so)\\s+)(?:the\\s+)?@?(${N0}${N}*(?: ${N0}${N}*)?)\\s+(?:lost|needs|wants|forgot|says|said|reports|reported|can'?t|cannot|couldn'?t|is locked|has lost|is locked out|is starting|starts|started|joined)\\b`),
  )) {
    const words = m[1]!.split(' ');
    if (words.every((w) => candidate(w, systems) && !THINGS.has(w))) add(m[1]!, m.index + m[0].indexOf(m[1]!), true);
  }
  // "reset intern password", "lock the alice laptop": a name right before what it owns.
  // A word there that is not a kind of account or device ("okta", "work", "spare") is someone unknown: asked about.
  for (const m of text.matchAll(re(`\\b(?:reset|unlock|lock|wipe|restart|reboot|check)\\s+(?:the\\s+)?@?(${N0}${N}*)\\s+(?:password|account|login|laptop|device|computer|mac|machine)\\b`))) {
    add(m[1]!, m.index, !MODIFIERS.has(m[1]!) && !EVERYDAY.has(m[1]!) && !THINGS.has(m[1]!));
  }
  // "lock laptop alice", "reset password bob", "reset the password for bob smith": a name ending the request.
  const nameLike = (t: string) => t.split(' ').every((w) => candidate(w, systems) && !THINGS.has(w) && !EVERYDAY.has(w));
  for (const m of text.matchAll(
    re(`\\b(?:reset|unlock|lock|wipe|restart|reboot|check)\\s+(?:the\\s+)?(?:password|account|login|laptop|device|computer|mac|machine)\\s+(?:for\\s+|of\\s+)?@?(${N0}${N}*(?: ${N0}${N}*)?)\\s*[.!?]*$`),
  )) {
    if (nameLike(m[1]!)) add(m[1]!, m.index + m[0].lastIndexOf(m[1]!), true);
  }
  // "reset kim smith password": a first and last name before what they own.
  for (const m of text.matchAll(re(`\\b(?:reset|unlock|lock|wipe|restart|reboot|check)\\s+(?:the\\s+)?@?(${N0}${N}* ${N0}${N}*)\\s+(?:password|account|login|laptop|device|computer|mac|machine)\\b`))) {
    if (nameLike(m[1]!) && !m[1]!.split(' ').some((w) => MODIFIERS.has(w))) add(m[1]!, m.index + m[0].indexOf(m[1]!), true);
  }
  // "for Alice Anders", "of bob smith": a first and last name.
  for (const m of text.matchAll(re(`\\b(?:for|of)\\s+@?(${N0}${N}* ${N0}${N}*)${E}(?!['’]s)${AFTER_PERSON}`))) {
    if (nameLike(m[1]!)) add(m[1]!, m.index + m[0].lastIndexOf(m[1]!), true);
  }
  const seen = new Set<string>();
  return found
    .sort((a, b) => a.at - b.at)
    .filter((m) => !seen.has(m.text) && seen.add(m.text))
    .map(({ text: t, strong }) => ({ text: t, strong }));
}

/** Everyday words of helpdesk requests: never looked up as a bare name. */
const EVERYDAY = new Set(
  (
    'and or but so if then than because since as at by from in into on onto to with without about above after before ' +
    'again also just only very really too still already yet not no yes ok okay pls please thanks thank hi hello hey ' +
    'can could would should will shall may might must do does did done have has had having be is are was were been am ' +
    'get got give gave make made need needs needed want wants wanted like know think see look check run reset lock wipe ' +
    'restart reboot open create file raise send show list tell ask use used using working work works broken slow fast ' +
    'new old one two three four five six seven eight nine ten hours hour days day minutes week weeks asap urgent high low ' +
    'priority medium issue problem error keeps keep stuck down up out off over back more less much many most some any ' +
    'every each which whose whom while when where why how what who this that these those there here its it’s my mine ' +
    'i me you your we us our they them their he she him her his meant mean sorry actually instead rather same well too ' +
    'least please thx ty cheers lol good great fine right wrong sure now today tomorrow tonight soon later morning ' +
    'afternoon evening password laptop computer device machine mac access read write admin ticket tickets status ' +
    'approval approvals approve pending request requests grant grants diagnostic diagnostics health battery disk ' +
    'immediately quickly remotely anymore again asap right away first thing tonight everything pronto quick fast ' +
    'unlock fix help update install connect sync login logout signin enable disable setup configure remove delete erase scan'
  ).split(' '),
);

/**
 * Words that are no pattern's mention but could still be someone's id or name ("sorry, I meant alice").
 * The directory decides; a known person found this way is asked about, never silently acted on.
 */
export function bareNames(text: string, systems: readonly string[] = [], limit = 6): string[] {
  const patterned = new Set(personMentions(text, systems).map((m) => m.text));
  const out = new Set<string>();
  for (const m of text.matchAll(new RegExp(`@?${B}(${N0}(?:${N}*[\\p{L}\\p{M}\\p{N}])?)${E}(?!['’]s)`, 'gu'))) {
    const w = m[1]!;
    if (out.size >= limit) break;
    if (EVERYDAY.has(w) || THINGS.has(w) || patterned.has(w) || !candidate(w, systems)) continue;
    out.add(w);
  }
  return [...out];
}
