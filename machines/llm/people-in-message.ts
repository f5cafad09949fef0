import { personMentions, PRONOUN } from './mentions';

// Who a message is *not* about, and who it only describes. The planner's rule is that a person named
// other than the requester is the target or gets a question, never the requester; this file keeps the
// converse just as true: a person the message excludes ("not alice's", "don't touch alice's laptop",
// "the intern's laptop is fine but…", "sam said I should…") is never the target, and someone only
// described ("my colleague", "a contractor", "someone's laptop") is asked about, never replaced by the
// requester. Everything here reads lowercased, normalised text and is pure.

/** The requester pointing at what is theirs: "my laptop", "mine", "for me" (not "my colleague"). */
const RELATIONS =
  "colleagues?|co-?workers?|boss|manager|supervisor|team ?mates?|team members?|team lead|contractors?|consultants?|freelancers?|temps?|vendors?|employees?|staff members?|users?|friends?|direct reports?|new hires?|hires?|new starters?|starters?|new joiners?|joiners?|visitors?|assistants?|secretary|wife|husband|son|daughter|dad|mom|mum|father|mother|brother|sister|person|people|guy|girl|lady|dude|developers?|engineers?|designers?|coworker";
const SELF_RE = new RegExp(`\\b(?:mine|myself|my own|for me)\\b|\\bmy\\b(?!\\s+(?:new\\s+|other\\s+|former\\s+|old\\s+)?(?:${RELATIONS})\\b)`);

export function namesSelf(text: string): boolean {
  return SELF_RE.test(text);
}

/** Someone described but not named: "my colleague", "a contractor", "the laptop of my teammate", "someone's". */
const DESCRIBED = new RegExp(
  `\\b(?:my|our|a|an|one of (?:my|our)|this|that|some|the|his|her|their)\\s+(?:new\\s+|other\\s+|former\\s+|old\\s+)?(${RELATIONS})(?:['’]s)?\\b|\\b(someone|somebody|someone else|somebody else|another (?:person|user|employee))(?:['’]s)?\\b`,
);

/** The description as written ("my colleague"), or null when the text describes nobody. */
export function describedPerson(text: string): string | null {
  const m = DESCRIBED.exec(text);
  return m ? m[0].replace(/['’]s$/, '') : null;
}

/** More than one person or device at once: "wipe all laptops", "everyone's laptops", "reset all passwords". */
const BULK =
  /\b(?:all|every|each)\s+(?:of\s+)?(?:the\s+|our\s+|their\s+|these\s+|those\s+)?(?:(?!my\b)[a-z-]+\s+)?(?:laptops?|devices?|computers?|machines?|macs?|passwords?|accounts?|users?|employees?|staff|people|members)\b|\b(?:everyone|everybody)['’]s\b|\bfor (?:everyone|everybody)\b|\b(?:reset|lock|wipe|restart|reboot|give|grant)\s+(?:everyone|everybody)\b|\b(?:whole|entire)\s+(?:team|company|org|organi[sz]ation|department|office|fleet)\b/;

export function namesEveryone(text: string): boolean {
  return BULK.test(text);
}

/** A part of a clause that is said *not* to be the target: it starts with a negation, or says all is well. */
const NEGATED_PART = /^(?:(?:and|but|so|ok|okay|oh|just|please)\s+)*(?:don'?t|do not|never|not|no need to|no need for|leave|skip|stop|without)\b/;
const FINE_PART = /\b(?:is|are|'s|seems?|looks?)\s+(?:totally\s+|perfectly\s+|all\s+|still\s+)?(?:fine|ok|okay|good|working|alright|all right)\b|\bworks(?:\s+(?:fine|well|great))?\b/;
const ACTION = /\b(?:restart|reboot|lock|wipe|erase|reset|check|scan|run|diagnose|fix|give|grant|open|unlock|look at)\b/;
/** "not alice's", "rather than the intern's", "instead of mine": an owner named only to be excluded. */
const EXCLUDED_INLINE =
  /\b(?:not|rather than|instead of|except(?: for)?|other than|apart from|but not)\s+(?:for\s+|on\s+)?(?:the\s+)?(?:@?[\p{L}\p{N}._-]+['’]s|mine|me|my\s+[a-z]+|@?[\p{L}\p{N}._@-]+)(?:\s+(?:laptop|computer|device|machine|mac|password|account|one))?/gu;
/** "sam said", "alice told me", "my boss wants me to": who speaks is not who the request is for. */
const SPEECH = /^\s*(?:said|says|told me|tells me|asked me|asks me|wants me|suggested|suggests|thinks|mentioned|recommended|reckons)\b(?:\s+(?:that|to))?/;

/** The requester as the one speaking of themselves: "I can't log in", "I'm locked out", "my laptop". */
const REQUESTER = /\b(?:i|i'm|i've|i am|me|my|mine|myself)\b/;

/** Any first-person word (I, me, my, mine, myself): the requester speaks of themselves somewhere in the text. */
export function hasFirstPerson(text: string): boolean {
  return REQUESTER.test(text);
}

/** The requester speaking of a device of theirs: "I have a slow laptop too, restart it". */
export function namesOwnDevice(text: string): boolean {
  return namesSelf(text) || /\bi(?:'ve| have)?\b[^.?!]*\b(?:laptop|computer|device|machine|mac|pc|notebook)\b/.test(text);
}

/** Splits a clause into its parts: commas, semicolons, "but", "whereas", "and don't …". */
function parts(text: string): string[] {
  return text
    .split(/\s*[,;:—–]\s*|\s+-\s+|\s+(?:but|however|whereas|though|although|while)\s+|\s+and\s+(?=(?:don'?t|do not|not|never|leave)\b)/)
    .map((p) => p.trim())
    .filter(Boolean);
}

export interface Reading {
  /** The text that may name the target: excluded owners and speakers removed. */
  kept: string;
  /** The part asking for the action, when it names an owner itself ("…, can you restart mine?"). */
  focus: string;
  /** Mentions the message names only to exclude them (lowercased, as personMentions gives them). */
  excluded: string[];
  /** The requester was excluded ("not mine", "don't lock my laptop, lock alice's"). */
  selfExcluded: boolean;
}

/** Reads whom a clause excludes, and which of its parts asks for the action. */
export function readPeople(text: string, systems: readonly string[] = []): Reading {
  const excluded: string[] = [];
  let selfExcluded = false;
  const drop = (piece: string) => {
    excluded.push(...personMentions(piece, systems).map((m) => m.text));
    for (const m of piece.matchAll(/@?([\p{L}\p{N}._-]+)['’]s\b/gu)) excluded.push(m[1]!);
    if (/\b(?:my|mine|me|myself)\b/.test(piece)) selfExcluded = true;
  };
  const kept: string[] = [];
  /** Every part, only "not alice's" and the like taken out: what is left when the negation was about the action. */
  const all: string[] = [];
  for (const part of parts(text)) {
    const rest = part
      .replace(EXCLUDED_INLINE, (piece) => {
        drop(piece);
        return ' ';
      })
      .replace(/\s+/g, ' ')
      .trim();
    all.push(rest);
    if (!NEGATED_PART.test(part) && !(FINE_PART.test(part) && !ACTION.test(part))) kept.push(rest);
  }
  const inline = [...excluded];
  const inlineSelf = selfExcluded;
  for (const part of parts(text)) if (NEGATED_PART.test(part) || (FINE_PART.test(part) && !ACTION.test(part))) drop(part);
  const owns = (p: string) => personMentions(p, systems).some((m) => !excluded.includes(m.text)) || namesSelf(p) || describedPerson(p) !== null;
  let keptText = kept.filter(Boolean).join(', ');
  // "don't wipe alice's laptop, just lock it": what is left names nobody, so the negation was about the
  // action, not the person; "it" is still her laptop.
  if (!owns(keptText)) {
    // Still never whoever "not alice's" excluded ("lock the laptop, not alice's").
    keptText = all.filter(Boolean).join(', ');
    excluded.splice(0, excluded.length, ...inline);
    selfExcluded = inlineSelf;
  }
  // Reported speech: the speaker is not the target when the request is about the requester ("sam said I
  // should lock my laptop", "I can't log in, alice said to ask you"); a pronoun back to them ("alice says
  // she can't…") keeps them. The speaker may be a pattern's mention or a bare name ("alice told me…").
  const speaker = (): { at: number; end: number; who: string[] } | null => {
    for (const m of personMentions(keptText, systems)) {
      const at = keptText.indexOf(m.text);
      const speech = SPEECH.exec(keptText.slice(at + m.text.length));
      if (speech) return { at, end: at + m.text.length + speech[0].length, who: [m.text] };
    }
    const bare = /(?:^|[,;.]\s*)((?:the\s+)?@?[\p{L}\p{N}._-]+(?:\s+[\p{L}\p{N}._-]+)?)\s+(?=(?:said|says|told me|tells me|asked me|asks me|wants me|suggested|suggests|mentioned|recommended)\b)/u.exec(keptText);
    if (!bare || /^(?:i|you|we|it|someone|somebody|they|he|she)$/.test(bare[1]!)) return null;
    const at = bare.index + bare[0].indexOf(bare[1]!);
    const speech = SPEECH.exec(keptText.slice(at + bare[1]!.length))!;
    return { at, end: at + bare[1]!.length + speech[0].length, who: bare[1]!.replace(/^the\s+|^@/, '').split(/\s+/) };
  };
  const said = speaker();
  if (said) {
    const after = keptText.slice(said.end);
    const rest = keptText.slice(0, said.at) + after;
    if ((namesSelf(after) || REQUESTER.test(rest)) && !PRONOUN.test(after)) {
      excluded.push(...said.who);
      keptText = (keptText.slice(0, said.at).replace(/\b(?:the\s+)?$/, '') + ' ' + after).replace(/\s+/g, ' ').trim();
    }
  }
  const keptParts = parts(keptText);
  const focus = keptParts.length > 1 ? keptParts.find((p) => ACTION.test(p) && owns(p)) : undefined;
  return { kept: keptText, focus: focus ?? keptText, excluded: [...new Set(excluded)], selfExcluded };
}

/** The requester in a list of people ("alice and I"). */
export const SELF_WORDS = new Set(['me', 'mine', 'myself', 'i']);

/** Names joined by "and", "&" or commas ("alice, bob and the intern's"), each accepted by `isPerson`; [] when none. */
export function listedPeople(text: string, isPerson: (w: string) => boolean): string[] {
  const tokens = text.match(/[\p{L}\p{N}._@'’-]+|[,&]/gu) ?? [];
  const clean = (w: string) => w.replace(/^@/, '').replace(/['’]s$/, '').replace(/[.]+$/, '');
  for (let i = 0; i < tokens.length; i++) {
    if (!isPerson(clean(tokens[i]!))) continue;
    const run = [clean(tokens[i]!)];
    let j = i + 1;
    for (;;) {
      let k = j;
      let joined = false;
      while (k < tokens.length && [',', '&', 'and', 'the'].includes(tokens[k]!)) {
        if (tokens[k] !== 'the') joined = true;
        k++;
      }
      if (!joined || k >= tokens.length || !isPerson(clean(tokens[k]!))) break;
      run.push(clean(tokens[k]!));
      j = k + 1;
    }
    if (run.length >= 2) return [...new Set(run)];
  }
  return [];
}
