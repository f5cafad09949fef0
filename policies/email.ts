/**
 * The one way emails are compared. Only printable ASCII addresses are accepted, lowercased in ASCII
 * only: Unicode case folding and compatibility/canonical normalisation map look-alikes onto ASCII
 * letters (U+212A KELVIN SIGN lowercases, and even NFC-normalises, to "k"), which would let a crafted
 * Slack profile email match an admin's directory entry. Anything else is not an email we trust (null).
 */
export function canonicalEmail(raw: string): string | null {
  const email = raw.trim();
  if (email.length > 254 || !/^[\x21-\x7e]+@[\x21-\x7e]+$/.test(email)) return null;
  if (email.normalize('NFC') !== email) return null;
  return email.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** True when both are trusted addresses and equal after canonicalisation. */
export function sameEmail(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const x = canonicalEmail(a);
  return x !== null && x === canonicalEmail(b);
}
