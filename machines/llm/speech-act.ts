// What a message *does* with the actions it mentions, before anyone asks what they are about. The
// planner's rule: an action is proposed only when the message asks for it (an imperative or a polite
// request: "restart my laptop", "can you reset my password?"), about a target the message names or the
// thread clearly holds. A message that asks a question about an action ("what happens if you lock my
// laptop?"), imagines one ("if my laptop gets stolen, would you wipe it?"), narrates one that was declined
// or is no longer needed ("alice asked me to lock her laptop but I said no"), relays one to someone else
// ("tell alice to restart her laptop"), quotes one ("alice said "restart my laptop""), asks to take access
// away ("revoke the intern's github access"), leaves the target open ("either alice's or mine", "all
// interns") or takes itself back ("…, no wait, don't") is answered, offered or asked about instead.
// A correction ("restart alice's laptop, no wait, mine") is applied, and the corrected request planned.
//
// Pure: reads normalised (lowercased, corrected) text. machines/llm/speech-act-reply.ts answers each act.

export type Action = 'wipe' | 'lock' | 'restart' | 'password' | 'access';

export type SpeechAct =
  /** A request (or nothing this module has a view on): planned as usual. */
  | { act: 'request' }
  /** A self-correction: plan `message` (the request with the correction applied) instead. */
  | { act: 'corrected'; message: string }
  /** A correction that could not be applied: ask for the request again. */
  | { act: 'unclear-correction' }
  /** "…, no wait, don't": the message takes its own request back. */
  | { act: 'retracted' }
  /** "remove alice's vpn access", "I no longer need github access": there is no tool that takes access away. */
  | { act: 'revocation' }
  /** "unlock my laptop", "remove the lock on my laptop": there is no tool that unlocks (and "lock" must not be read). */
  | { act: 'unlock' }
  /** "alice asked me to lock her laptop but I said no", "…but he fixed it himself". */
  | { act: 'declined'; resolved: boolean }
  /** "tell alice to restart her laptop": Sentinel can't message people; `request` is what it could do itself. */
  | { act: 'relayed'; to: string; request: string }
  /** `alice said "restart my laptop"`: whose "my"? */
  | { act: 'quoted'; speaker: string; verb: string; thing: string }
  /** "either alice's laptop or mine", "…, not sure which". */
  | { act: 'either' }
  /** "reset the password for all interns": a group, not one person. */
  | { act: 'bulk' }
  /** "reset my password? nah just kidding", "lol wipe everything", "… /s": a joke or sarcasm, not a request. */
  | { act: 'joke' }
  /** "restart my laptop tomorrow morning", "remind me to reset my password on friday": later, not now. */
  | { act: 'future' }
  /** "if it's still slow tomorrow, restart it", "restart it unless it's locked": `rest` is the message without that part. */
  | { act: 'conditional'; rest: string }
  /** A bare "again": planned as usual when the thread has something to repeat, asked about otherwise. */
  | { act: 'again' }
  /**
   * A question about an action or an imagined one: explained, and (for a target the message names) offered.
   * `request` is the action as an imperative, for the offer; null when there is nothing to offer.
   */
  | { act: 'question'; kind: 'hypothetical' | 'explain' | 'advice' | 'how' | 'past'; action: Action; request: string | null }
  /** "reset my password, also what happens if you wipe my laptop?": `request` is planned, the questions answered. */
  | { act: 'mixed'; request: string; questions: Array<Extract<SpeechAct, { act: 'question' }>> };

/** Verbs that act on someone: what a request, a correction or a quote must contain. */
const VERB = /\b(?:wipe|erase|lock|unlock|restart|reboot|reset|give|grant|check|run|remove|revoke)\b/;
const VERBS_G = /\b(wipe|erase|lock|restart|reboot|reset|give|grant|check|run)\b/;

const ACTIONS: Array<[Action, RegExp]> = [
  ['wipe', /\b(?:wipe[sd]?|wiping|erase[sd]?|erasing|factory[- ]reset)\b/],
  ['lock', /\block(?:s|ed|ing)?\b(?! ?out)/],
  ['restart', /\b(?:restart(?:s|ed|ing)?|reboot(?:s|ed|ing)?)\b/],
  ['password', /\b(?:pass ?word|pw|pwd|reset(?:s|ting)?)\b/],
  ['access', /\b(?:access|admin|permissions?|rights)\b/],
];

export function actionIn(text: string): Action | null {
  for (const [a, re] of ACTIONS) if (re.test(text)) return a;
  return null;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---- corrections and retractions ---------------------------------------------------------------------

/** "no wait", "scratch that", "I meant": the words that take back what came before them in the message. */
const STRONG_MARK = /(?:^|[\s,.;:!?—–-])(no,? wait|wait,? no|no,? no|oh,? wait|wait wait|hang on|scratch that|make that|correction|(?:no|sorry|oops),? i mean[t]?|sorry,? not that|actually,? no|on second thought|oops)(?=$|[\s,.;:!?—–-])[\s,.;:!?—–-]*/g;
/** "wait", "actually", "I mean" after a comma: weaker ("…, I mean it's really slow"), applied only when what follows is plainly a correction. */
const WEAK_MARK = /[,.;!?—–]\s*(wait|actually|sorry|i mean[t]?)(?=$|[\s,.;:!?—–-])[\s,.;:!?—–-]*/g;

const RETRACT =
  /^(?:(?:please|just|then|so)\s+)?(?:don'?t|do not|dont)(?:\s+(?:do (?:it|that|this|anything)|bother|worry|(?:wipe|lock|restart|reboot|reset|do|touch) (?:it|that|them|anything|this)))?(?:\s+(?:yet|now|after all|any ?more|then))?$|^(?:never ?mind|nvm|forget (?:it|that|about it)|cancel(?: (?:it|that|this))?|leave it(?: alone)?|stop|skip it|not (?:yet|now|needed)|no need|ignore (?:that|me|it)|don'?t bother|(?:it|that)'?s (?:fine|ok|okay|working|not needed)(?: now)?(?:,? (?:don'?t|never ?mind))?)$/;

const OWNER_WORD = "(?:mine|me|myself|my own|my(?: own)? (?:one|laptop|computer|device|machine|mac|password|account)|(?:the\\s+)?@?[\\p{L}\\p{N}._-]+['’]s(?: (?:one|laptop|computer|device|machine|mac|password|account))?)";
const OWNER_ONLY = new RegExp(`^(?:(?:it'?s|it was|it is|for|on|to|do|the one (?:of|for)|that was for)\\s+)?(${OWNER_WORD}|(?:the\\s+)?@?[\\p{L}\\p{N}._@-]+)(?:\\s+(?:instead|then|please|one|too))?$`, 'u');
const NOT_OWNER = new Set('it that this them those these yes no ok okay please now then instead again too the a an one both all everyone'.split(' '));

/** "mine" → self; "alice's", "the intern's", "alice", "for alice" → that person's word, as written ("the intern"). */
function ownerOf(correction: string): { self: true } | { self: false; who: string } | null {
  const m = OWNER_ONLY.exec(correction);
  if (!m) return null;
  const w = m[1]!.replace(/\s+(?:one|laptop|computer|device|machine|mac|password|account)$/, '');
  if (/^(?:mine|me|myself|my|my own)$/.test(w)) return { self: true };
  const who = w.replace(/['’]s$/, '').replace(/^@/, '');
  if (NOT_OWNER.has(who) || VERB.test(who) || actionIn(who)) return null;
  return { self: false, who };
}

const POSSESSIVE = /(?:\bthe\s+)?@?([\p{L}\p{N}._-]+)['’]s\b/gu;
const NOT_POSSESSIVE = new Set(['it', 'that', 'what', 'let', 'who', 'there', 'here', 'he', 'she', 'where', 'how', 'today', 'one']);

/** The request in `before` with its owner replaced by the correction's; null when it names no owner to replace. */
function substituteOwner(before: string, owner: { self: true } | { self: false; who: string }): string | null {
  const poss = owner.self ? 'my' : `${owner.who}'s`;
  const obj = owner.self ? 'me' : owner.who;
  for (const m of before.matchAll(POSSESSIVE)) {
    if (NOT_POSSESSIVE.has(m[1]!)) continue;
    return before.slice(0, m.index) + poss + before.slice(m.index + m[0].length);
  }
  if (/\bmy\b/.test(before)) return before.replace(/\bmy\b/, poss);
  const forX = /\b(for|give|grant|add)\s+(?:the\s+)?(?!me\b|my\b)@?[\p{L}\p{N}._@-]+/u.exec(before);
  if (forX) return before.slice(0, forX.index) + `${forX[1]} ${obj}` + before.slice(forX.index + forX[0].length);
  if (/\bme\b/.test(before)) return before.replace(/\bme\b/, obj);
  const the = new RegExp(`\\bthe (?=(?:laptop|computer|device|machine|mac|password|account)\\b)`).exec(before);
  if (the) return before.slice(0, the.index) + `${poss} ` + before.slice(the.index + the[0].length);
  return null;
}

const NAMES_OWNER = /['’]s\b|\b(?:my|mine|me|for \S+)\b|\b[a-z][a-z0-9]*(?:-[a-z0-9]+)+\b/;

function correction(text: string): SpeechAct | null {
  for (const [re, strong] of [[STRONG_MARK, true], [WEAK_MARK, false]] as const) {
    for (const m of text.matchAll(re)) {
      const before = text.slice(0, m.index).replace(/[\s,.;:!?—–-]+$/, '').trim();
      const after = text.slice(m.index + m[0].length).replace(/[\s.!?]+$/, '').trim();
      if (!VERB.test(before) && !actionIn(before)) continue;
      if (!after) {
        if (strong && /\b(?:scratch that|on second thought)\b/.test(m[1]!)) return { act: 'retracted' };
        continue;
      }
      if (RETRACT.test(after)) return { act: 'retracted' };
      const owner = ownerOf(after);
      if (owner) {
        const fixed = substituteOwner(before, owner);
        return fixed ? { act: 'corrected', message: fixed } : { act: 'unclear-correction' };
      }
      if (!strong) continue;
      const verb = /^(?:(?:just|please|can you|could you|instead)\s+)*([a-z]+)\b(.*)$/.exec(after);
      if (verb && VERB.test(verb[1]!)) {
        const rest = verb[2]!.trim();
        // "lock alice's laptop, no wait, restart it": the new verb, the old object.
        if (/^(?:(?:it|that|them|this|instead|then|please|the (?:laptop|computer|device|machine))\s*)*$/.test(rest)) {
          const old = VERBS_G.exec(before);
          if (old) return { act: 'corrected', message: before.slice(0, old.index) + verb[1] + before.slice(old.index + old[0].length) };
        }
        if (NAMES_OWNER.test(after)) return { act: 'corrected', message: after };
      }
      return { act: 'unclear-correction' };
    }
  }
  return null;
}

// ---- access taken away ----------------------------------------------------------------------------------

const ACCESS_WORD = '(?:access|permissions?|rights|admin(?: rights| access| role)?|grant|account|login|seat|license)';
const REVOKE = new RegExp(
  `\\b(?:revoke|remove|take away|take off|strip|pull|drop|disable|deactivate|cut off|deprovision|end|terminate|get rid of)\\b[^.?!]*\\b${ACCESS_WORD}\\b(?!\\s+requests?\\b)`,
);
const NO_LONGER = new RegExp(
  `\\b(?:no longer|don'?t|do not|won'?t)\\s+(?:need|want|use|require)\\b[^.?!]*\\b${ACCESS_WORD}\\b|\\b${ACCESS_WORD}\\b[^.?!]*\\b(?:no longer (?:need(?:ed)?|required)|not needed any ?more)\\b|\\b(?:done|finished) with\\b[^.?!]*\\b(?:access|admin)\\b`,
);
/** Asking for access after all: "I don't need admin, just read", "no longer need write, give me read". */
const STILL_WANTS = /\b(?:just|only|instead|rather|but (?:i )?(?:do )?need|give me|grant me|is enough|i need|i want|can i (?:get|have))\b/;

function revocation(text: string, systems: readonly string[]): boolean {
  // "cancel my access request", "withdraw the request": a request waiting is withdrawn, not access taken away.
  if (/\b(?:cancel|withdraw|requests?)\b/.test(text)) return false;
  if (REVOKE.test(text) && !/\b(?:i|we) (?:need|want)\b/.test(text.replace(/\b(?:don'?t|no longer|not) (?:need|want)\b/g, ''))) return true;
  if (NO_LONGER.test(text) && !STILL_WANTS.test(text)) return true;
  const sys = systems.map(escape).join('|');
  return !!sys && new RegExp(`\\b(?:remove|take|kick|drop|pull)\\s+(?:the\\s+)?@?[\\p{L}\\p{N}._-]+\\s+(?:off|from|out of)\\s+(?:the\\s+)?(?:${sys})\\b`, 'u').test(text);
}

// A lock taken off, not put on: the word "lock" in it must never become a lock.
const UNLOCK = /\bunlock(?:s|ed|ing)?\b|\b(?:remove|take off|take away|lift|clear|undo|release|reverse|cancel)\s+(?:the\s+|that\s+|this\s+)?(?:remote\s+)?lock\b|\b(?:take|get)\s+(?:the\s+|that\s+)?lock\s+off\b/;

// ---- narration, relaying, quoting ------------------------------------------------------------------------

const REPORTED = /\b(?:asked|wanted|wants|told|requested|needed|begged|was going to|were going to|was about to|wanted to)\b/;
// Not "but I didn't get the email": a refusal or a decision, not something that failed to happen.
const DECLINED = /\b(?:but|and|so)\s+(?:then\s+)?i\s+(?:said no|refused|declined|told (?:him|her|them|\S+) no|decided not to|chose not to|didn'?t want to|didn'?t let (?:him|her|them))\b|\bi said no\b/;
const RESOLVED =
  /\b(?:but|and|so|though)\s+(?:then\s+)?(?:he|she|they|i|it|we|\S+)\s+(?:already\s+)?(?:fixed|sorted|solved|resolved|figured|worked)(?:\s+(?:it|that|this|out))?\b|\b(?:it'?s|it is|that'?s|all)\s+(?:fixed|sorted|resolved|good|working(?: again)?|fine)\s+now\b|\b(?:turned up|showed up|found it)\b/;

function narration(text: string): SpeechAct | null {
  for (const [re, resolved] of [[DECLINED, false], [RESOLVED, true]] as const) {
    const m = re.exec(text);
    if (!m) continue;
    const before = text.slice(0, m.index);
    const after = text.slice(m.index + m[0].length);
    // Reported and then declined, nothing asked after it.
    if (REPORTED.test(before) && (VERB.test(before) || actionIn(before)) && !VERB.test(after.replace(/\b(?:fixed|sorted) it\b/, ''))) return { act: 'declined', resolved };
  }
  return null;
}

const RELAY =
  /^(?:(?:can|could|would|will) you\s+|please\s+|pls\s+)*(?:tell|ask|remind|message|ping|text|email|notify)\s+(?!me\b|us\b|it\b|them\b|him\b|her\b|everyone\b)((?:the\s+)?@?[\p{L}\p{N}._@-]+)\s+(?:to|that (?:she|he|they) (?:should|needs? to|must|has to|have to))\s+(.+)$/u;

/** "tell alice to restart her laptop" → "restart alice's laptop", what Sentinel itself could offer. */
function relayed(text: string): SpeechAct | null {
  const m = RELAY.exec(text.replace(/[?.!]+$/, ''));
  if (!m || !VERB.test(m[2]!)) return null;
  const to = m[1]!.replace(/^@/, '');
  let request = m[2]!
    .replace(/\b(?:her|his|their)\b(?=\s+(?:own\s+)?(?:laptop|computer|device|machine|mac|password|account|access|login|pc)\b)/g, `${to}'s`)
    .replace(/\b(?:him|her|them)\b/g, to);
  if (!/['’]s\b|\b(?:my|mine|me)\b/.test(request) && !request.includes(to)) request = `${request} for ${to}`;
  return { act: 'relayed', to, request };
}

const QUOTE = /\b([\p{L}\p{N}._-]+)\s+(?:said|says|wrote|writes|asked|asks|texted|messaged|emailed|told me)\s*[:,]?\s*"([^"]{2,300})"/u;

/** Unquoted: "alice: reset my password", "alice wrote: wipe my laptop", "msg from sam -> pls restart my laptop", "alice asked me to restart my laptop". */
const QUOTE_BARE = [
  /^@?([\p{L}\p{N}._-]+)\s*:\s+(.{2,300})$/u,
  /\b@?([\p{L}\p{N}._-]+)\s+(?:said|says|wrote|writes|texted|messaged|emailed|dm'?d|slacked|asked)(?:\s+me)?\s*(?::|->|—|-)\s*(.{2,300})$/u,
  /\b(?:msg|message|text|dm|email|note|slack)\s+from\s+@?([\p{L}\p{N}._-]+)\s*(?::|->|—|-|said|says)\s*(.{2,300})$/u,
  /^@?([\p{L}\p{N}._-]+)\s+(?:asked|wants|wanted|begged|needs|needed)\s+me\s+to\s+(.{2,300})$/u,
];
const NOT_SPEAKER = new Set('i me it that this note ps fyi update re subject also and so but reason why'.split(' '));

function quoted(text: string): SpeechAct | null {
  let m = QUOTE.exec(text);
  if (!m) for (const re of QUOTE_BARE) if ((m = re.exec(text)) && !NOT_SPEAKER.has(m[1]!) && !VERB.test(m[1]!)) break; else m = null;
  if (!m) return null;
  const quote = m[2]!;
  const verb = VERBS_G.exec(quote);
  if (!verb || !/\b(?:my|me|mine|i|i'm|myself)\b/.test(quote)) return null;
  const thing = /\b(laptop|computer|device|machine|mac|password|account|access)\b/.exec(quote)?.[1] ?? 'one';
  return { act: 'quoted', speaker: m[1]!, verb: verb[1]!, thing };
}

// ---- open targets -----------------------------------------------------------------------------------------

const OWNER_TOKEN = /^(?:the\s+)?@?[\p{L}\p{N}._-]+['’]s$|^(?:mine|me|my|yours?)$/u;

function eitherOr(text: string, isName: (w: string) => boolean): boolean {
  if (!VERB.test(text) && !actionIn(text)) return false;
  if (/\beither\b[^.?!]*\bor\b/.test(text) || /\bnot sure (?:which|whose|who)\b|\bwhichever\b/.test(text)) return true;
  const words = text.split(/\s+/);
  const owner = (w: string | undefined) => !!w && (OWNER_TOKEN.test(w.replace(/[,.!?]+$/, '')) || isName(w.replace(/[,.!?]+$/, '')));
  for (let i = 0; i < words.length; i++) {
    if (words[i] !== 'or') continue;
    const right = words[i + 1] === 'the' ? words[i + 2] : words[i + 1];
    if (owner(right) && words.slice(Math.max(0, i - 4), i).some(owner)) return true;
  }
  return false;
}

const GROUP_PLURAL =
  /\b(?:all|every|each|both)\s+(?:of\s+)?(?:the\s+|our\s+|those\s+|these\s+)?(?:new\s+)?([a-z-]{3,}s)\b|\b(?:the|our)\s+([a-z-]{3,}s)'\s/;
const NOT_GROUP = new Set('hours days weeks minutes times things tickets systems apps settings files messages emails updates details steps its'.split(' '));

function bulk(text: string): boolean {
  if (!VERB.test(text)) return false;
  if (/\b(?:wipe|erase|lock|restart|reboot|reset)\s+(?:everything(?!\s+(?:on|from|in|off|of)\b)|everyone|everybody|all of (?:it|them)|all(?= *[.!?]*$))/.test(text)) return true;
  const m = GROUP_PLURAL.exec(text);
  return !!m && !NOT_GROUP.has((m[1] ?? m[2])!);
}

// ---- questions and hypotheticals ---------------------------------------------------------------------------

const PAST =
  /\b(?:was|were) (?:that|it|this) (?:you|sentinel)\b|\bdid (?:you|sentinel|someone|somebody|anyone) (?:just |already |really )?(?:reset|lock|wipe|restart|reboot|erase|grant|give|remove|revoke|change)\b|\bwho (?:reset|locked|wiped|restarted|rebooted|erased|changed|granted)\b|^(?:was|were|has|have|had)\b[^.?!]*\b(?:reset|locked|wiped|restarted|rebooted|erased|granted|changed)\b(?:\s+(?:yet|already|today|yesterday|recently))?\s*(?:\?|$)/;
const HYPOTHETICAL =
  /\bwhat (?:happens|would happen|will happen|could happen)\b[^.?!]*?\b(?:if|when)\b|\bwhat if\b|^(?:if|suppose|supposing|imagine|in case|say)\b(?!\s+(?:you can|you could|possible|you have|you don'?t mind|it'?s (?:not too much|ok|okay|possible|no trouble)|that'?s (?:ok|okay|possible|fine)|needed|necessary|you'?re able|not too|convenient|you get a chance))|\bif (?:it|my [\w-]+|[\w.-]+'s [\w-]+|someone|anyone|i|she|he|they|the [\w-]+)\s+(?:ever\s+)?(?:gets?|got|were|is|was|goes|went|becomes)\s+(?:ever\s+)?(?:stolen|lost|compromised|hacked|missing|broken|left)\b|\bwould you (?:ever|still)\b/;
const EXPLAIN =
  /\b(?:explain|describe|tell me)\b[^?.!]*\b(?:what|how)\b[^?.!]*\b(?:does|do|means?|works?|happens)\b|\bwhat (?:does|do|would|will) (?:a |an |the )?(?:remote )?(?:wipe|wiping|lock|locking|restart|restarting|reboot|rebooting|password reset|reset|resetting)\b[^?.!]*\b(?:do|mean)\b|\bwhat(?: is|'s| are) (?:a |an |the )?(?:remote |device )?(?:wipe|lock|restart|reboot)\b|\bhow (?:does|do) (?:a |an |the )?(?:remote )?(?:wipe|wipes|wiping|lock|locks|locking|restart|restarts|reboot)\b/;
const ADVICE =
  /\bis it (?:safe|ok|okay|alright|a good idea|a bad idea|wise|smart|risky|dangerous|bad|fine|necessary|worth it)\b|\bshould (?:i|we|you|someone)\b|\bdo (?:i|we) (?:really )?need to\b|\bwould it be (?:safe|ok|okay|wise|a good idea|bad)\b|\bwill (?:i|it|that) lose\b/;
const HOW = /\bhow (?:do|can|could|would|should) (?:i|we|you|one|someone|people)\s+(?:\w+\s+){0,2}?(?:wipe|erase|lock|restart|reboot)\b|\bhow to (?:wipe|erase|lock|restart|reboot)\b/;

/** The question's frame taken off, leaving the request it is about ("my laptop is frozen, should I restart it?" → "my laptop is frozen, restart it"). */
const FRAME =
  /\bwhat (?:happens|would happen|will happen|could happen)\b[^.?!]*?\b(?:if|when)\s+(?:you\s+|i ask you to\s+|i have you\s+|we\s+)?|\bwhat if (?:you|we)\s+|\bis it (?:safe|ok|okay|alright|a good idea|a bad idea|wise|smart|risky|dangerous|bad|fine|necessary|worth it) (?:for (?:you|me) )?to\s+|\bshould (?:i|we|you|someone)\s+(?:just\s+)?|\bdo (?:i|we) (?:really )?need to\s+|\bhow (?:do|can|could|would|should) (?:i|we|you|one|someone|people)\s+|\bhow to\s+/g;
function asRequest(text: string): string | null {
  const request = text.replace(FRAME, '').replace(/\?+/g, '').replace(/\s+(?:now|right now|then)\s*$/, '').replace(/\s+/g, ' ').trim();
  return VERB.test(request) ? request : null;
}

function question(text: string): SpeechAct | null {
  const action = actionIn(text);
  if (!action) return null;
  if (PAST.test(text)) {
    // "was alice's password reset? if not, reset it": the question's words, read as the request it offers.
    const request = /\bif not\b|\bif (?:it|she|he|they) (?:wasn'?t|hasn'?t|didn'?t)\b/.test(text)
      ? text.replace(/^(?:was|were|has|have|had|did)\s+/, '').replace(/\bbeen\b|\bif not\b,?|\?/g, ' ').replace(/\s+/g, ' ').trim()
      : null;
    return { act: 'question', kind: 'past', action, request };
  }
  // "can you restart my laptop?" and "would you lock my laptop, I lost it" are requests, and stay so.
  // Offered only where the frame says who would do it: "what happens if you lock …", not "if my laptop gets stolen".
  if (HYPOTHETICAL.test(text)) return { act: 'question', kind: 'hypothetical', action, request: /\bif (?:you|i ask you to|i have you|we)\b/.test(text) ? asRequest(text) : null };
  if (EXPLAIN.test(text)) return { act: 'question', kind: 'explain', action, request: null };
  if (ADVICE.test(text)) return { act: 'question', kind: 'advice', action, request: asRequest(text) };
  if (HOW.test(text)) return { act: 'question', kind: 'how', action, request: asRequest(text) };
  return null;
}

/** Sentences (and "…, also …" parts) of which some ask a question about an action and the others ask for one. */
function mixed(text: string): SpeechAct | null {
  if (PAST.test(text)) return null;
  const parts = text.split(/(?<=[?.!])\s+|,?\s+(?:and\s+)?also,?\s+/).map((p) => p.trim()).filter(Boolean);
  if (parts.length < 2) return null;
  const questions = parts.map((p) => question(p));
  const asks = parts.filter((p, i) => !questions[i] && VERB.test(p));
  const asked = questions.filter((q): q is Extract<SpeechAct, { act: 'question' }> => q !== null);
  return asked.length && asks.length ? { act: 'mixed', request: asks.join('. '), questions: asked } : null;
}

// ---- jokes, later, conditions ---------------------------------------------------------------------------

/** "/s", "jk", "just kidding", "🙄", "nah" taking the request back, "just what I needed", "lol/haha … wipe". */
const JOKE =
  /(?:^|\s)\/s[\s.!]*$|\bj\/?k\b|\b(?:just )?kidding\b|🙄|\bnah\b[\s,.!]*(?:$|just kidding|jk|not really|forget it|never ?mind)|\bjust what i (?:needed|wanted)\b|\b(?:lol|lmao|haha+|hehe+)\b[^.?!]*\b(?:wipe|erase)\b|\b(?:wipe|erase)\b[^.?!]*\b(?:lol|lmao|haha+)\b/u;

const DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)';
/** A time that is not now; "for tomorrow", "for the day", "until tomorrow" are durations (taken out first). */
const LATER = new RegExp(
  `\\b(?:tomorrow|tonight|later (?:today|on|tonight)|next (?:week|month|year|time|${DAY})|(?:on|this|next|by) ${DAY}|${DAY} (?:morning|afternoon|evening|night)|this (?:evening|afternoon|weekend)|over the weekend|in (?:a |an |\\d+ |a few |two |three )(?:minutes?|hours?|days?|weeks?)|at \\d{1,2}(?::\\d\\d)? ?(?:am|pm)?\\b|remind me|schedule[ds]?|i'?m (?:going to|gonna)|i am going to)\\b`,
);
const DURATION = new RegExp(`\\b(?:for|until|till|til|through|thru|up to|expir\\w*|ends?)\\s+(?:the rest of\\s+)?(?:tomorrow(?: (?:morning|evening|night))?|the day|today|tonight|the week|${DAY}|next (?:week|${DAY}))\\b`, 'g');

function future(text: string): boolean {
  return LATER.test(text.replace(DURATION, ' '));
}

const IF_EXCEPT = '(?!\\s+(?:possible|you can|you could|you have|you don\'?t mind|it\'?s (?:not too much|ok|okay|possible|no trouble)|that\'?s (?:ok|okay|possible|fine)|needed|necessary|you\'?re able|not too|convenient|you get a chance|not|so)\\b)';
const CONDITION_PART = new RegExp(
  `^(?:and\\s+|but\\s+|then\\s+|so\\s+)?(?:if|when|once|in case)\\b${IF_EXCEPT}[^,]*,\\s*(?:then\\s+)?(?:please\\s+|pls\\s+|just\\s+|go ahead and\\s+)*(?:wipe|erase|lock|restart|reboot|reset|give|grant)\\b|\\b(?:wipe|erase|lock|restart|reboot|reset|give|grant)\\b[^.?!]*\\b(?:unless|only if|as soon as|once|if|in case)\\b${IF_EXCEPT}\\s+(?:it|it'?s|i|i'?m|she|he|they|my|the|[a-z]+'s|still|there|nothing)\\b`,
);

function conditional(text: string): SpeechAct | null {
  const parts = text.split(/(?<=[.;!?])\s+/).map((p) => p.trim()).filter(Boolean);
  const cond = parts.filter((p) => CONDITION_PART.test(p));
  if (!cond.length) return null;
  return { act: 'conditional', rest: parts.filter((p) => !cond.includes(p)).join(' ') };
}

/** "…, forget it", "… actually neither", "…. never mind" at the end: the message takes itself back. */
const TRAILING_RETRACT =
  /(?:[,.;!?—–-]|\.\.\.|\s)\s*(?:(?:actually|oh|hmm+|um+|ok|okay|wait|no|so)[,.]?\s+)*(?:neither(?: of them| one)?|none of (?:it|that|them)|never ?mind|nvm|forget (?:it|that|about it|all that)|scratch that|don'?t bother|ignore (?:that|me|it))[\s.!?]*$/;

function trailingRetraction(text: string): boolean {
  const m = TRAILING_RETRACT.exec(text);
  if (!m || m.index === 0) return false;
  const before = text.slice(0, m.index);
  return VERB.test(before) || !!actionIn(before);
}

/** "what would you do if i said wipe my laptop": a question about what Sentinel would do, not a request. */
const WOULD_DO = /\bwhat would (?:you|sentinel) do\b|\bif i (?:said|told you|asked you|say|tell you|typed|wrote)\b/;

// ---- the one entry point ---------------------------------------------------------------------------------

export interface SpeechContext {
  /** Systems access can be asked for ("remove alice from github"). */
  systems?: readonly string[];
  /** A word the directory was asked about as a person ("alice or bob"). */
  isName?: (word: string) => boolean;
}

/** What the message does with the action it mentions; `request` unless one of the acts above is plain. */
export function classifySpeechAct(text: string, ctx: SpeechContext = {}): SpeechAct {
  if (/^(?:(?:do it|do that|try|same thing|once more)\s+)?again(?:\s+(?:pls|please|plz|thanks|thx))?[\s.!?]*$/.test(text)) return { act: 'again' };
  const revokes = revocation(text, ctx.systems ?? []);
  if (!VERB.test(text) && !actionIn(text) && !revokes) return { act: 'request' };
  if (JOKE.test(text)) return { act: 'joke' };
  if (trailingRetraction(text)) return { act: 'retracted' };
  const action = actionIn(text);
  if (action && WOULD_DO.test(text)) return { act: 'question', kind: 'hypothetical', action, request: null };
  return (
    correction(text) ??
    (revokes ? { act: 'revocation' as const } : null) ??
    (UNLOCK.test(text) ? { act: 'unlock' as const } : null) ??
    narration(text) ??
    quoted(text) ??
    relayed(text) ??
    mixed(text) ??
    question(text) ??
    conditional(text) ??
    (future(text) ? { act: 'future' as const } : null) ??
    (eitherOr(text, ctx.isName ?? (() => false)) ? { act: 'either' as const } : null) ??
    (bulk(text) ? { act: 'bulk' as const } : null) ?? { act: 'request' }
  );
}

// ---- relations of a named person ----------------------------------------------------------------------------

const RELATION =
  'manager|boss|supervisor|lead|assistant|secretary|intern|interns|friend|friends|husband|wife|partner|spouse|girlfriend|boyfriend|colleague|colleagues|coworker|co-worker|team|teammate|team ?mates?|direct reports?|reports?|deputy|buddy|roommate|son|daughter|kids?|children|mother|father|mom|mum|dad|brother|sister|family|contractor|contractors|replacement|backup|cover|delegate|successor|predecessor|client|customer|guest|visitor';
const RELATED = new RegExp(`^['’]s\\s+(?:new\\s+|old\\s+|other\\s+|former\\s+)?(${RELATION})\\b`);

/**
 * "alice's manager", "the intern's friend": someone described through a named person, not that person.
 * `mention` is the name as personMentions gives it; returns the description ("alice's manager") or null.
 */
export function relationOf(text: string, mention: string): string | null {
  for (const m of text.matchAll(new RegExp(`${escape(mention)}(?=['’]s\\b)`, 'g'))) {
    const rel = RELATED.exec(text.slice(m.index + mention.length));
    if (rel) return `${mention}'s ${rel[1]}`;
  }
  return null;
}

/** The question for someone described through a named person: "Who is alice's manager?"; null for other descriptions. */
export function relationQuestion(who: string): string | null {
  return /['’]s\s/.test(who) ? `Who is ${who}?` : null;
}

// ---- "wipe it" with nothing before it ------------------------------------------------------------------------

/**
 * "wipe it", "lock it" with no device earlier in the thread: which device? A wipe is always asked about;
 * a lock or restart goes to the requester's device only when they have exactly one and the message says "my" (a wipe
 * only when it also names a thing of theirs: "wipe my dell, I'm reinstalling it").
 * Returns the question, or null when the requester's device is meant.
 */
export function vagueItQuestion(command: unknown, saysMy: boolean, devices: readonly string[], text = ''): string | null {
  // "wipe my dell, I'm reinstalling it": the message names a thing of theirs that "it" is.
  const ownThing = /\bmy\s+(?!pass ?word|pw|pwd|account|access|login|ticket|manager|colleague)[a-z]+/.test(text);
  if ((command !== 'wipe' || ownThing) && saysMy && devices.length === 1) return null;
  const yours = devices.length ? ` (yours: ${devices.join(', ')})` : '';
  const verb = typeof command === 'string' ? command : 'use';
  return `Which device should I ${verb}? Give me its id${yours}, or say "${verb} my laptop".`;
}
