// What a message says, as the planner reads it: look-alike characters folded (fullwidth "ａｌｉｃｅ" is
// "alice", NFKC) and invisible ones removed ("ali\u200Bce"; zero-width, bidi and other format characters).
// This is for *detecting* who is named: the directory then matches the result exactly, so a name that
// still differs (an accented "Alíce", a Cyrillic "а") is unknown and gets a question, never a guess.

/** Format characters (zero-width spaces and joiners, bidi controls, soft hyphens, BOM) and variation selectors. */
const INVISIBLE = /[\p{Cf}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]/gu;

export function canonicalText(s: string): string {
  return s.normalize('NFKC').replace(INVISIBLE, '');
}
