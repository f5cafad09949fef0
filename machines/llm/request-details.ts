// What a request is about besides whom: the system, the access level and duration, a ticket's priority
// and summary. Pure functions of the message text.

export const STOPWORDS = new Set(
  'me my myself mine the a an it this that us our you your him her them all everyone someone hours hour days day weeks week today tomorrow now please access read write admin project work ticket'.split(' '),
);

export const SYSTEM_ALIASES: Record<string, string> = {
  'git hub': 'github',
  gh: 'github',
  'aws prod': 'aws-prod',
  'aws production': 'aws-prod',
  'production aws': 'aws-prod',
  'prod aws': 'aws-prod',
  'prod account': 'aws-prod',
  aws: 'aws-prod',
  sfdc: 'salesforce',
  'sales force': 'salesforce',
  crm: 'salesforce',
  'the vpn': 'vpn',
};

export function findSystem(text: string, systems: string[]): string | null {
  for (const s of [...systems].sort((a, b) => b.length - a.length)) {
    const loose = s.replace(/[-_.]/g, '[-_. ]?');
    if (new RegExp(`\\b${loose}\\b`).test(text)) return s;
  }
  for (const [alias, id] of Object.entries(SYSTEM_ALIASES)) {
    if (new RegExp(`\\b${alias}\\b`).test(text) && (systems.length === 0 || systems.includes(id))) return id;
  }
  const m = /\baccess (?:to|on|for) (?:the )?([a-z0-9][a-z0-9._-]{1,40})\b/.exec(text);
  return m && !STOPWORDS.has(m[1]!) ? m[1]! : null;
}

/**
 * Every system the text names, in order ("github and the vpn" → github, vpn); [] when a part of the text
 * turns one down ("I don't need aws-prod anymore, just vpn"): then findSystem's one reading stands.
 */
export function findSystems(text: string, systems: string[]): string[] {
  if (/\b(?:don'?t|do not|no longer|not|any ?more|instead|rather|without|except)\b/.test(text)) return [];
  const found: Array<[number, string]> = [];
  for (const s of systems) {
    const at = text.search(new RegExp(`\\b${s.replace(/[-_.]/g, '[-_. ]?')}\\b`));
    if (at >= 0) found.push([at, s]);
  }
  for (const [alias, id] of Object.entries(SYSTEM_ALIASES)) {
    const at = text.search(new RegExp(`\\b${alias}\\b`));
    if (at >= 0 && systems.includes(id) && !found.some(([, s]) => s === id)) found.push([at, id]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}

// A level the text says it does not want: "I don't need admin access, just read", "not write".
const NEGATED_LEVEL =
  /\b(?:don'?t|do not|doesn'?t|does not|no longer|not|never|no need for|without)\s+(?:(?:really |even )?(?:need|want|require)s?\s+)?(?:an?\s+|the\s+|any\s+)?(?:admin(?:istrator)?|root|owner|full access|superuser|write|edit|push|read[- ]?write|read[- ]?only|read|view(?:er)?)\b/g;

/** The access level the text asks for, or null when it names none (a level it turns down does not count). */
export function accessLevel(said: string): 'read' | 'write' | 'admin' | null {
  const text = said.replace(NEGATED_LEVEL, ' ');
  if (/\b(admin|administrator|root|owner|full access|superuser)\b/.test(text)) return 'admin';
  if (/\b(write|edit|push|commit|deploy|modify|contributor|read[- ]?write)\b/.test(text)) return 'write';
  if (/\b(read|reader|read[- ]?only|view|viewer|view[- ]only)\b/.test(text)) return 'read';
  return null;
}

/** The grant's duration in hours the text asks for, or null when it names none. */
export function durationHours(text: string): number | null {
  // A digit may touch its unit ("4h"); a word needs a space ("a day"), or "and" would read as "an d".
  const m = /\b(?:(\d{1,4})\s*|(an?|one|two|three|four|five|six|seven|eight|twelve)\s+)(h|hrs?|hours?|d|days?|w|weeks?)\b/.exec(text);
  const words: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, twelve: 12 };
  if (m) {
    const n = m[1] ? Number(m[1]) : words[m[2]!]!;
    const unit = m[3]!.startsWith('w') ? 168 : m[3]!.startsWith('d') ? 24 : 1;
    return Math.max(1, Math.min(n * unit, 720));
  }
  if (/\b(this week)\b/.test(text)) return 72;
  if (/\b(tomorrow)\b/.test(text)) return 24;
  if (/\b(today|for the day|rest of the day)\b/.test(text)) return 8;
  return null;
}

export const levelQuestion = (system: string) => `${system}: read or write (or admin), and for how long? For example "read for 8 hours".`;

/** Least privilege, a working day: what a grant is when the request named only one of the two. */
export const DEFAULT_LEVEL = 'read';
export const DEFAULT_HOURS = 8;

export function reasonFrom(raw: string, text: string): string {
  const m = /\b(?:because|since|so that|so i can|in order to|to be able to|for the)\b(.{3,})$/.exec(text);
  const r = m ? m[0] : raw;
  return r.trim().slice(0, 300) || 'Requested via Sentinel';
}

export function priorityFrom(text: string): 'low' | 'medium' | 'high' | 'urgent' {
  if (/\b(urgent|asap|emergency|critical|immediately|right now|sev ?1|p1|outage)\b/.test(text)) return 'urgent';
  if (/\b(high priority|important|blocking|blocked|can'?t work|cannot work|deadline)\b/.test(text)) return 'high';
  if (/\b(low priority|whenever|no rush|not urgent|minor|when you get a chance)\b/.test(text)) return 'low';
  return 'medium';
}

export function summaryFrom(raw: string): string {
  const firstSentence = raw.split(/(?<=[.!?])\s/)[0] ?? raw;
  const s = firstSentence.replace(/^(hi|hello|hey)[,!\s]+/i, '').trim();
  return (s.length > 120 ? `${s.slice(0, 117)}...` : s) || 'Help requested via Sentinel';
}
