// Whether a request is asked for or negated: "don't wipe it, just lock it" asks for a lock, not a wipe.

export const NEGATION = /\b(?:don'?t|do not|never|no need to|not|stop|cancel)\b(?:\s+\w+){0,3}\s*$/;

/** True when `re` matches and the match is not negated by the few words before it ("don't wipe"). */
export function affirmed(text: string, re: RegExp): boolean {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  for (const m of text.matchAll(g)) {
    if (!NEGATION.test(text.slice(0, m.index))) return true;
  }
  return false;
}

/**
 * Like `affirmed`, and also true for "don't reset alice's password, reset mine": the same verb again in a
 * part of its own, its object left out, asks for the action after all (for someone else).
 */
export function affirmedAgain(text: string, re: RegExp): boolean {
  if (affirmed(text, re)) return true;
  const parts = text.split(/\s*[,;:—–]\s*|\s+(?:but|and|instead)\s+/);
  for (const p of parts) {
    const negated = /^(?:please\s+)?(?:don'?t|do not|never|not)\s+(\w+)/.exec(p);
    if (!negated || !re.test(p)) continue;
    const again = new RegExp(`^(?:(?:just|please|only|instead|rather|but|and|can you|could you)\\s+)*${negated[1]}\\b`);
    if (parts.some((q) => q !== p && again.test(q))) return true;
  }
  return false;
}
