// Typos and chat shorthand in what people type ("pls reset pw", "my laptp is super slwo"), corrected
// into the planner's vocabulary before it reads the message. Only words that cannot start anything
// destructive are corrected into freely: a typo never becomes "wipe" ("my wife's laptop"), and becomes
// "lock" or "restart" only from the same letters with two neighbours swapped ("lokc", "restrat").

const SHORTHAND: Record<string, string> = {
  pw: 'password',
  pwd: 'password',
  passwd: 'password',
  pls: 'please',
  plz: 'please',
  pc: 'computer',
  comp: 'computer',
  tix: 'tickets',
  tkt: 'ticket',
  acct: 'account',
  perms: 'permissions',
  gh: 'github',
  sfdc: 'salesforce',
  asap: 'urgent',
};

const VOCABULARY = [
  'password', 'laptop', 'computer', 'machine', 'device', 'slow', 'sluggish', 'freezing', 'frozen', 'crashing', 'battery',
  'reset', 'forgot', 'access', 'permissions', 'ticket', 'tickets', 'status', 'approvals', 'approve',
  'pending', 'waiting', 'github', 'salesforce', 'please', 'diagnostic', 'check', 'broken', 'account', 'locked', 'stolen',
];

/** Optimal string alignment distance (edits, with adjacent transpositions counting as one), capped at `max + 1`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
  }
  return d[a.length]![b.length]!;
}

/** Reversible device commands: reached only by a swap of two neighbouring letters, never by a different letter. */
const SWAP_ONLY = ['lock', 'restart', 'reboot'];

/** Real words one edit from a vocabulary word, which must stay what they are ("show me", not "slow me"). */
const REAL_WORDS =
  'show shows rest restore restored slot snow stats states statue writing wanting wasting warning locker locket ticker ticked chick cheek devise passport resent pleased slew forget'.split(' ');

const known = new Set([...VOCABULARY, ...SWAP_ONLY, ...REAL_WORDS]);

function isNeighbourSwap(word: string, target: string): boolean {
  if (word.length !== target.length) return false;
  const diff = [...word].flatMap((ch, i) => (ch === target[i] ? [] : [i]));
  return diff.length === 2 && diff[1] === diff[0]! + 1 && word[diff[0]!] === target[diff[1]!] && word[diff[1]!] === target[diff[0]!];
}

/** The word as the planner knows it: shorthand expanded, a near miss of a vocabulary word corrected. */
function correctWord(word: string): string {
  if (SHORTHAND[word]) return SHORTHAND[word];
  if (word.length < 4 || known.has(word) || !/^[a-z]+$/.test(word)) return word;
  const swapped = SWAP_ONLY.find((v) => isNeighbourSwap(word, v));
  if (swapped) return swapped;
  const max = word.length >= 7 ? 2 : 1;
  let best: string | null = null;
  let bestDistance = max + 1;
  for (const v of VOCABULARY) {
    const dist = editDistance(word, v, max);
    // Two equally near words: ambiguous, leave it alone.
    if (dist < bestDistance) [best, bestDistance] = [v, dist];
    else if (dist === bestDistance && v !== best) best = null;
  }
  // The first letter is rarely the typo; requiring it keeps "clock" from becoming "lock"-like words.
  return best && bestDistance <= max && best[0] === word[0] ? best : word;
}

/** `text` (lowercased) with each word corrected, except `keep` (names); punctuation and spacing are kept. */
export function correctSpelling(text: string, keep: ReadonlySet<string> = new Set()): string {
  // Whole words in any script: a name with an accented letter ("alíce") is left alone, not corrected in pieces.
  return text.replace(/[\p{L}\p{M}]+/gu, (w) => (keep.has(w) ? w : correctWord(w)));
}
