import { findTool } from '../../tools/registry';
import type { DialogueState, Plan, RawCall } from '../types';
import { canonicalText } from './canonical';
import { bareNames, personMentions, PRONOUN } from './mentions';
import { affirmed, affirmedAgain } from './negation';
import { describedPerson, listedPeople, namesEveryone, namesOwnDevice, namesSelf, readPeople, SELF_WORDS, type Reading } from './people-in-message';
import { ALSO_FOR, AND_FOR, AND_WHOSE, CORRECTION, DEVICE_WORDS, FOR_OWNER_CLAUSE, JUST_FOR, OWN_AGAIN, OWNER_ONLY_CLAUSE, RE, SELF, THE_THING } from './phrasings';
import { accessLevel, DEFAULT_HOURS, DEFAULT_LEVEL, durationHours, findSystem, findSystems, levelQuestion, priorityFrom, reasonFrom, summaryFrom } from './request-details';
import { correctSpelling } from './spelling';
import { classifySpeechAct, relationOf, relationQuestion, vagueItQuestion } from './speech-act';
import { earlierRequestStands, offerPlanned, replyToSpeechAct } from './speech-act-reply';
import { askedToConfirm, isTypedConfirmation } from './confirmation';
import { asksToExtend, extensionFromAnswer, planExtension } from './extend-access';
import type { ProposeRequest, TicketKeys } from './provider';
import { DEFAULT_TICKET_KEYS, isTicketKey, ticketIdsIn } from './ticket-keys';

// A deterministic planner for running without an LLM: it recognises the usual helpdesk phrasings and
// turns them into the same tool proposals an LLM would make. Its output goes through the same guard.

export const CAPABILITIES =
  'I can reset your password, run a health check on your laptop, lock, restart or wipe a device, request time-bound access to a system, open or check support tickets, and tell you what access and tickets you have (and, for IT admins, what waits for their approval).';

interface Clause {
  /** Who the clause is about when a trailing "and alice's" named it apart from the request's words. */
  about?: string;
  /** Whom the clause is about when a list named several ("for alice and the intern"): one clause each. */
  subject?: Subject;
  raw: string;
  text: string;
  /** The words as written, when `raw` is the request it continues ("sam's" after "check my laptop"). */
  said?: string;
}

/** Lowercased, quotes straightened, typos corrected, except in `names` (people the directory knows). */
function normalize(s: string, names: ReadonlySet<string> = new Set()): string {
  return correctSpelling(
    canonicalText(s)
      .replace(/[\u2018\u2019\u02bc]/g, "'")
      .replace(/[\u201c\u201d]/g, '"')
      .toLowerCase()
      .replace(/\s+/g, ' ')
      .trim(),
    names,
  );
}

function deviceIds(raw: string, keys: TicketKeys = DEFAULT_TICKET_KEYS): string[] {
  const ids = new Set<string>();
  for (const m of raw.matchAll(/\b([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)\b/g)) {
    const id = m[1]!.toUpperCase();
    if (isTicketKey(id, keys) || !/\d/.test(id)) continue;
    ids.add(id);
  }
  return [...ids];
}

/** Whom a clause is about. Another person named is never silently replaced by the requester. */
type Subject =
  | { kind: 'self' }
  | { kind: 'person'; id: string; name: string; devices: string[] }
  /** Named, but the directory knows nobody by that name: ask. */
  | { kind: 'unknown'; name: string }
  /** "her laptop" with nobody named before: ask whose. */
  | { kind: 'unclear' }
  /** A known person's name, written where no pattern says it is the target ("sorry, I meant alice"): ask, or take it as the answer to "who?". */
  | { kind: 'bare'; person: { id: string; name: string; devices: string[] } }
  /** Someone described, not named ("my colleague", "a contractor"): ask who. */
  | { kind: 'described'; who: string };

/**
 * `earlier` is the person an earlier clause of the same message named ("alice can't log in, reset her
 * password"); failing that, a pronoun refers to the person this thread talked about last.
 */
function subjectOf(text: string, req: ProposeRequest, earlier?: Extract<Subject, { kind: 'person' }>, excluded: readonly string[] = []): Subject {
  const resolved = new Map((req.people ?? []).map((p) => [p.mention, p.person]));
  const person = (p: { id: string; name: string; devices: string[] }): Subject => (p.id === req.requester.id ? { kind: 'self' } : { kind: 'person', ...p });
  for (const m of personMentions(text, req.systemIds ?? [])) {
    // "status of HELP-7": a ticket key, not someone called help-7.
    if (excluded.includes(m.text) || isTicketKey(m.text, req.ticketKeys)) continue;
    // "alice's manager": someone described through alice, not alice (machines/llm/speech-act.ts).
    const related = relationOf(text, m.text);
    if (related) return { kind: 'described', who: related };
    const p = resolved.get(m.text);
    if (p) return person(p);
    // A weak mention the directory was asked about and does not know is not a person ("reset okta password").
    if (!m.strong && resolved.has(m.text)) continue;
    // Unknown to the directory (or not looked up): asked about, never replaced by the requester.
    return { kind: 'unknown', name: m.text };
  }
  const bare = bareNames(text, req.systemIds ?? [])
    .filter((w) => !excluded.includes(w))
    .map((w) => resolved.get(w))
    .find((p) => p && p.id !== req.requester.id);
  // "my colleague can't log in": someone else, unnamed. Named as well ("my colleague alice"), it is them.
  const described = namesSelf(text) ? null : describedPerson(text);
  if (described) return bare ? { kind: 'person', ...bare } : { kind: 'described', who: described };
  if (PRONOUN.test(text)) {
    if (earlier) return earlier;
    // "alice told me to reset her password": the one person the message names.
    if (bare) return { kind: 'person', ...bare };
    const last = req.dialogue?.lastPerson ? resolved.get(req.dialogue.lastPerson) : null;
    return last ? person(last) : { kind: 'unclear' };
  }
  if (bare) return { kind: 'bare', person: bare };
  // "reset the password" right after talking about alice: hers or the requester's? Ask.
  const last = req.dialogue?.lastPerson ? resolved.get(req.dialogue.lastPerson) : null;
  if (last && last.id !== req.requester.id && !excluded.includes(last.id) && !namesSelf(text) && THE_THING.test(text)) return { kind: 'bare', person: last };
  return { kind: 'self' };
}

type Unsure = Extract<Subject, { kind: 'unknown' | 'unclear' | 'bare' | 'described' }>;
const isUnsure = (s: Subject): s is Unsure => s.kind === 'unknown' || s.kind === 'unclear' || s.kind === 'bare' || s.kind === 'described';

function whoQuestion(subject: Unsure): string {
  if (subject.kind === 'unknown' && subject.name.startsWith('<@')) return "I can't tell from a Slack mention who that is in the directory yet. Who do you mean? Their user id or email works.";
  if (subject.kind === 'unknown') return `I don't know anyone called "${subject.name}" in the directory. Who do you mean? Their user id or email works.`;
  if (subject.kind === 'bare') return `Is this for ${subject.person.name} (${subject.person.id}) or for you? Say "${subject.person.id}'s" or "mine".`;
  if (subject.kind === 'described') return `${describedQuestion(subject.who)} Tell me their name or email.`;
  return 'Whose device or account do you mean? Give me their name, user id or email.';
}

/** "my colleague" → "Who is your colleague?"; "a contractor" → "Which contractor do you mean?"; "someone's" → "Whose do you mean?" */
function describedQuestion(who: string): string {
  const related = relationQuestion(who);
  if (related) return related;
  if (/^(?:my|our)\b/.test(who)) return `Who is ${who.replace(/^(?:my|our)\b/, 'your')}?`;
  const noun = who.replace(/^(?:a|an|the|some|this|that|his|her|their|one of (?:my|our))\s+/, '');
  if (/\b(?:someone|somebody|else|another)\b/.test(who)) return 'Who do you mean?';
  return `Which ${noun} do you mean?`;
}

function call(name: string, args: Record<string, unknown>): RawCall {
  return { name, arguments: JSON.stringify(args) };
}

/** A part of a message that starts with a request's verb ("reset my password", "please lock it"). */
const STARTS_WITH_REQUEST =
  /^(?:(?:please|pls|also|and|then|just|now|can you|could you|would you|kindly)\s+)*(?:reset|check|lock|restart|reboot|wipe|erase|open|create|file|raise|grant|give|add|run|scan|diagnose|unlock|revoke|remove|extend)\b/i;

/** A clause that asks for something to be done: without a plan for it, it must be named in the reply. */
const ASKS_FOR_ACTION = /\b(?:reset|check|lock|restart|reboot|wipe|erase|open|create|file|raise|grant|give|add|run|scan|diagnose|unlock|revoke|remove|extend)\b/;

/**
 * Splits "reset my password and check my laptop" into clauses, so each request is planned once. A list of
 * requests ("reset my password, check my laptop, lock the intern's laptop") is split at its commas; a part
 * that only names an owner ("check my laptop, then sam's", "…, same for alice") is the request before it,
 * for that owner: every request of the message is planned (or named as not done), none is dropped.
 */
function clauses(raw: string, names: ReadonlySet<string>): Clause[] {
  const out: Clause[] = [];
  const pieces = raw
    .split(/(?:[.;!?]\s+|\s+(?:and then|and also|also|then|plus)\s+|,\s*and\s+|\s+and\s+(?=(?:can you|could you|please|i need|i want|also|reset|check|lock|restart|reboot|wipe|open|create|grant|give|add|run|what|which|show|list|tell|ask|remind|message|ping|unlock|remove|revoke)\b))/i)
    .flatMap(listed);
  // "lock and restart my laptop": the lock gets the object the restart names.
  for (let i = 0; i + 1 < pieces.length; i++) {
    const verb = BARE_VERB.exec(pieces[i]!.trim());
    if (verb && STARTS_WITH_REQUEST.test(pieces[i + 1]!.trim())) pieces[i] = `${verb[1]} ${pieces[i + 1]!.trim().replace(STARTS_WITH_REQUEST, '').trim()}`;
  }
  for (const piece of pieces) {
    const r = piece.trim();
    const text = normalize(r, names);
    if (!text) continue;
    const prev = out.at(-1);
    // "…, then sam's": the request before, for sam. Its device ids stay with it (deviceIds reads `about`).
    const possessive = prev ? OWNER_ONLY_CLAUSE.exec(text) : null;
    const forWhom = prev && !possessive ? FOR_OWNER_CLAUSE.exec(text) : null;
    if (prev && (possessive || forWhom)) {
      out.push({ raw: prev.raw, text: prev.text, about: possessive ? possessive[1]! : `for ${forWhom![1]!}`, said: r });
      continue;
    }
    const both = AND_WHOSE.exec(r);
    if (!both) {
      out.push({ raw: r, text });
      continue;
    }
    const left = { raw: both[1]!, text: normalize(both[1]!, names) };
    out.push(left, { ...left, about: normalize(both[2]!, names), said: r });
  }
  return out;
}

const OWNER_WORD = /\b(?:my|mine)\b|['’]s\b/;
const BARE_VERB = /^(?:(?:please|pls|can you|could you|just)\s+)*(lock|restart|reboot|wipe|check|reset)$/i;

/**
 * "reset my password, check my laptop, lock the intern's": a list of requests, one piece each. Also
 * "restart my laptop and alice's laptop" (two owners, one request each).
 */
function listed(piece: string): string[] {
  const parts = piece.split(/\s*,\s*/).flatMap((part) => {
    const and = /\s+and\s+/i.exec(part);
    if (!and) return [part];
    const left = part.slice(0, and.index);
    const right = part.slice(and.index + and[0].length);
    const owners = (s: string) => OWNER_WORD.test(s.toLowerCase());
    return STARTS_WITH_REQUEST.test(left) && owners(left) && owners(right) && !/\band\b/i.test(right) ? [left, right] : [part];
  });
  const out: string[] = [];
  for (const part of parts) {
    const prev = out.at(-1);
    // A new request after a comma only when the part before was a request too ("my laptop is slow, restart
    // it" is one request; "don't wipe it, lock it" and "lock it, not alice's" stay whole).
    if (prev !== undefined && STARTS_WITH_REQUEST.test(prev) && (STARTS_WITH_REQUEST.test(part) || OWNER_ONLY_CLAUSE.test(part.toLowerCase()))) out.push(part);
    else if (prev !== undefined) out[out.length - 1] = `${prev}, ${part}`;
    else out.push(part);
  }
  return out;
}

/** Acts that concern only their own clause: the other requests of the message are still planned. */
const CLAUSE_LOCAL = new Set(['unlock', 'revocation', 'bulk', 'either', 'relayed', 'question']);

/** How a replanned message is read: only the clauses that asked "whom?", or all of it for someone else. */
interface Override {
  subject: Subject;
  clauses: 'unsure' | 'all';
}

const notUnderstood = new WeakSet<Plan>();

/** What a clause asks for that acts on someone (not a read-only question). */
const ACTING = [RE.wipe, RE.stolen, RE.lock, RE.restart, RE.password, RE.access, RE.diagnostic];

/** "alice's", "Alice Anders's", "your colleague's": whose something is, in a reply. */
function whoseName(subject: Subject): string {
  if (subject.kind === 'person') return `${subject.name}'s`;
  if (subject.kind === 'bare') return `${subject.person.name}'s`;
  if (subject.kind === 'unknown') return `"${subject.name}"'s`;
  if (subject.kind === 'described') return `${subject.who.replace(/^(?:my|our)\b/, 'your')}'s`;
  return "someone else's";
}

/**
 * "reset passwords for alice and the intern", "restart alice's and the intern's laptops": one clause per
 * person, so each is planned (and decided by policy) on its own and none is silently dropped.
 */
function eachPerson(c: Clause, req: ProposeRequest): Clause[] {
  if (c.about !== undefined || c.subject) return [c];
  const resolved = new Map((req.people ?? []).map((p) => [p.mention, p.person]));
  const kept = readPeople(c.text, req.systemIds ?? []).kept;
  const listed = listedPeople(kept, (w) => SELF_WORDS.has(w) || resolved.has(w));
  if (listed.length < 2 || !listed.some((w) => resolved.get(w))) return [c];
  return listed.map((w): Clause => {
    const p = resolved.get(w);
    const subject: Subject = SELF_WORDS.has(w) || p?.id === req.requester.id ? { kind: 'self' } : p ? { kind: 'person', ...p } : { kind: 'unknown', name: w };
    return { ...c, subject };
  });
}

/** The thread's memory as it was, for a reply that changes nothing. */
const dialogue0 = (req: ProposeRequest): DialogueState | null => req.dialogue ?? null;

/** True for the plan that says the rules did not understand the message (a classifier may guess). */
export const isNotUnderstood = (plan: Plan): boolean => notUnderstood.has(plan);

/**
 * Plans a message. `hint` is the intent a trained classifier guessed for a message the rules did not
 * understand (machines/llm/intent-classifier.ts): it picks the request, and the same code as for any
 * other message finds whom and what it is about. A guess never picks a remote command by itself.
 */
export function offlinePlan(req: ProposeRequest, hint?: string, override?: Override, replanned = false): Plan {
  const raw = canonicalText(req.message.slice(0, 4000));
  const names = new Set((req.people ?? []).filter((p) => p.person).flatMap((p) => p.mention.split(/[^a-z0-9]+/)));
  const whole = normalize(raw, names);
  const me = req.requester;
  const keys = req.ticketKeys ?? DEFAULT_TICKET_KEYS;
  const calls: RawCall[] = [];
  const notes: string[] = [];

  if (/^\/[a-z][\w-]*\b/.test(whole)) {
    const command = whole.split(' ')[0];
    return { text: `"${command}" isn't a command I know: just tell me in words what you need. ${CAPABILITIES}`, calls: [], dialogue: dialogue0(req) };
  }
  if (RE.greeting.test(whole)) return { text: `Hi${me.name ? ` ${me.name.split(' ')[0]}` : ''}! ${CAPABILITIES} What do you need?`, calls: [] };
  if (RE.thanks.test(whole) && whole.length < 40) return { text: "You're welcome! Anything else I can help with?", calls: [] };

  // Only a request is planned: a question, a hypothetical, narration, a revocation, a corrected or
  // retracted clause is answered, offered or asked about instead (machines/llm/speech-act.ts).
  // What a speech act plans (an offer's request, a corrected message) is planned as a request: read for
  // its act again, "should I wipe my laptop?" offered "wipe my laptop, should I?" and never returned.
  if (!override && !hint && !replanned) {
    const act = classifySpeechAct(whole, { systems: req.systemIds ?? [], isName: (w) => (req.people ?? []).some((p) => p.mention === w) });
    const ctx = { req, plan: (message: string) => offlinePlan({ ...req, message }, undefined, undefined, true) };
    // "reset my password and unlock my laptop": an act of one clause answers that clause, and the
    // requests beside it are planned, so neither is dropped.
    const split = act.act === 'request' || CLAUSE_LOCAL.has(act.act) ? clauses(raw, names) : [];
    if (split.length > 1) {
      const acts = split.map((c) => classifySpeechAct(c.text, { systems: req.systemIds ?? [], isName: (w) => (req.people ?? []).some((p) => p.mention === w) }));
      const asked: string[] = [];
      split.forEach((c, i) => {
        if (acts[i]!.act !== 'request') return;
        // "…, then sam's" goes with the request it continues.
        if (c.about !== undefined && asked.length) asked[asked.length - 1] += ` and ${c.said ?? c.about}`;
        else asked.push(c.raw);
      });
      const local = acts.every((a) => a.act === 'request' || CLAUSE_LOCAL.has(a.act)) && split.every((c, i) => c.about === undefined || acts[i]!.act === 'request');
      if (local && asked.length && acts.some((a) => a.act !== 'request')) {
        const planned = ctx.plan(asked.join('. '));
        const answers = acts.filter((a) => a.act !== 'request').map((a) => replyToSpeechAct(a, ctx)).filter((p): p is Plan => !!p);
        const open = planned.dialogue?.pending || planned.dialogue?.offer || planned.dialogue?.unresolved;
        const offered = open ? undefined : answers.find((a) => a.dialogue?.pending || a.dialogue?.offer)?.dialogue;
        return {
          ...planned,
          text: [planned.text, ...answers.map((a) => a.text)].filter(Boolean).join(' ') || null,
          dialogue: offered ? { ...(planned.dialogue ?? {}), pending: offered.pending, offer: offered.offer } : planned.dialogue,
        };
      }
    }
    const answered = replyToSpeechAct(act, ctx);
    if (answered) return answered;
  }
  // "Cancel that" withdraws what is waiting in this thread; a question still open is simply dropped.
  if (RE.cancel.test(whole) && !RE.wipe.test(whole.replace(RE.cancel, ''))) {
    if (req.dialogue?.pending || req.dialogue?.unresolved) return { text: "OK, I've dropped that request.", calls: [], dialogue: null };
    return { text: null, calls: [], withdraw: true, dialogue: null };
  }

  const lastAssistant = [...req.history].reverse().find((m) => m.role === 'assistant');
  const offered = req.dialogue?.offer === 'ticket' || (!!lastAssistant && /open a ticket|ticket for (?:it|you)/i.test(lastAssistant.content));
  if (offered && (RE.bareNo.test(whole) || (RE.no.test(whole) && whole.length < 40 && !RE.actionVerb.test(whole)))) {
    return { text: "OK, I won't open a ticket. Anything else?", calls: [], dialogue: null };
  }
  // A bare "no" with nothing offered: it declines the question asked, or withdraws the request just made
  // (a confirmation or an approval waiting in this thread). It is never a request of its own.
  if (RE.bareNo.test(whole)) {
    if (req.dialogue?.pending || req.dialogue?.unresolved) return { text: "OK, I've dropped that request.", calls: [], dialogue: null };
    if (lastAssistant && /\brequest apr_|\bconfirm\b|\bapproval\b/i.test(lastAssistant.content)) return { text: null, calls: [], withdraw: true, dialogue: null };
    return { text: 'OK. Anything else I can help with?', calls: [], dialogue: null };
  }
  // The requester's own "yes" to it is answered before any planner (machines/actors/propose.ts); a yes that
  // reaches here is someone else's, or the request is no longer waiting: it confirms nothing, and is no new request.
  const confirmation = askedToConfirm(lastAssistant?.content);
  if (confirmation && (isTypedConfirmation(whole, confirmation) || (RE.yes.test(whole) && whole.length < 40))) {
    return { text: `Request ${confirmation} isn't waiting for a confirmation from you: only the person who asked can confirm it, while it is still waiting.`, calls: [], dialogue: dialogue0(req) };
  }
  // "yes wipe it", "ok fine, reset my password then": a request of its own, not a yes to the ticket offer.
  if (offered && RE.yes.test(whole) && whole.length < 40 && !JUST_FOR.test(whole) && !/\b(?:lock|restart|reboot|wipe|erase|reset|give|grant|run)\b/.test(whole)) {
    const previousAsk = [...req.history].reverse().find((m) => m.role === 'user');
    const about = previousAsk?.content ?? raw;
    // "yes" to the offer made after a bare "no" or "yes": there is nothing to file.
    if (RE.bareNo.test(normalize(about)) || RE.yes.test(normalize(about)) || normalize(about).replace(/[^a-z]/g, '').length < 4) {
      return { text: 'What should the ticket say? Describe the problem in a sentence and I\'ll offer to open it.', calls: [], dialogue: null };
    }
    return {
      text: null,
      calls: [call('create_support_ticket', { summary: summaryFrom(about), description: about.slice(0, 4000), priority: RE.priorityNamed.test(whole) ? priorityFrom(whole) : priorityFrom(normalize(about)) })],
    };
  }

  const wholeReading = readPeople(whole, req.systemIds ?? []);
  // "my laptop is slow too, restart it", "I have a slow laptop too, reboot it": the requester's own device,
  // unless the message also names someone else.
  const selfInMessage = namesOwnDevice(wholeReading.kept) && !personMentions(wholeReading.kept, req.systemIds ?? []).some((m) => !wholeReading.excluded.includes(m.text));
  // Whom the message excluded ("not alice's", "don't touch the intern's laptop, restart mine"): never a target.
  const resolvedAll = new Map((req.people ?? []).map((p) => [p.mention, p.person]));
  const excludedUsers = new Map<string, string>();
  const excludedDevices = new Map<string, string>();
  const noteExcluded = (r: Reading) => {
    for (const m of r.excluded) {
      const p = resolvedAll.get(m);
      if (!p || p.id === me.id) continue;
      excludedUsers.set(p.id, p.name);
      for (const d of p.devices) excludedDevices.set(d, p.name);
    }
  };
  // A bare "yes" with nothing asked: it accepts nothing (and never becomes a ticket about "yes").
  if (RE.bareYes.test(whole) && !req.dialogue?.pending && !req.dialogue?.unresolved) {
    return { text: 'Nothing is waiting for a yes in this thread. What do you need?', calls: [], dialogue: dialogue0(req) };
  }
  let offer: DialogueState['offer'];
  let lastPerson = req.dialogue?.lastPerson;
  let lastDevice = req.dialogue?.lastDevice;
  let pending: DialogueState['pending'];
  /** Set when a question asked whom the message is about: the next message may answer it. */
  let askedWho = false;
  /** The device a clause acts on: an id it names, else the subject's only device; otherwise a question. */
  const deviceOf = (clauseText: string, explicit: string[], named: Subject, tool: string, args: Record<string, unknown>): string | null => {
    let subject = named;
    if (explicit[0]) return (lastDevice = explicit[0]);
    // "wipe it": the device this thread was just talking about.
    const refersBack = /\bit\b/.test(clauseText) && !new RegExp(`\\b${DEVICE_WORDS}\\b`).test(clauseText);
    // "my laptop is slow too, restart it": the message's own "my" beats what the thread talked about.
    if (lastDevice && subject.kind === 'self' && refersBack && !selfInMessage) return lastDevice;
    // "lock it" with nothing talked about before is not necessarily the requester's device: ask.
    if (refersBack && subject.kind === 'self' && !lastDevice && req.history.length) subject = { kind: 'unclear' };
    // …nor with nothing before it: which device? (machines/llm/speech-act.ts)
    const which = refersBack && subject.kind === 'self' && !lastDevice ? vagueItQuestion(args.command, selfInMessage, me.devices, whole) : null;
    if (which) {
      notes.push(which);
      pending = { tool, args, missing: ['device_id'] };
      return null;
    }
    if (isUnsure(subject)) {
      notes.push(whoQuestion(subject));
      askedWho = true;
      return null;
    }
    const devices = subject.kind === 'person' ? subject.devices : me.devices;
    const whose = subject.kind === 'person' ? subject.name : 'you';
    if (devices.length === 1) return (lastDevice = devices[0]!);
    const hint = devices.find((d) => clauseText.includes(d.toLowerCase()));
    if (hint) return (lastDevice = hint);
    if (devices.length === 0) {
      notes.push(`I don't see a managed device registered to ${whose}. Which device id do you mean (for example LAPTOP-NAME-01)?`);
    } else {
      notes.push(`${subject.kind === 'person' ? `${subject.name} has` : 'You have'} more than one device: ${devices.join(', ')}. Which one?`);
    }
    pending = { tool, args, missing: ['device_id'] };
    return null;
  };
  /** The user a clause acts on; null (with a question) when the named person is unknown or unclear. */
  const userOf = (subject: Subject): string | null => {
    if (subject.kind === 'self') return me.id;
    if (subject.kind === 'person') return subject.id;
    if (!isUnsure(subject)) return null;
    notes.push(whoQuestion(subject));
    askedWho = true;
    return null;
  };

  /**
   * Access to a system: the system, the level and how long. A missing system, or neither level nor
   * duration, is asked for (and the answer fills it in); one of the two named, the other takes its default.
   */
  const planAccess = (user: string, rawText: string, t: string): void => {
    const system = findSystem(t, req.systemIds ?? []);
    const level = accessLevel(t);
    const hours = durationHours(t);
    const args: Record<string, unknown> = { user, reason: reasonFrom(rawText, t), ...(level ? { level } : {}), ...(hours ? { duration_hours: hours } : {}) };
    if (!system) {
      const known = req.systemIds?.length ? ` I can request access to ${req.systemIds.join(', ')}.` : '';
      notes.push(`Which system do you need access to?${known}`);
      pending = { tool: 'provision_access', args, missing: ['system'] };
      return;
    }
    if (!level && !hours) {
      notes.push(levelQuestion(system));
      pending = { tool: 'provision_access', args: { ...args, system }, missing: ['level'] };
      return;
    }
    // "read on github and the vpn": one request per system, none dropped.
    const named = findSystems(t, req.systemIds ?? []);
    for (const s of named.length > 1 ? named : [system]) calls.push(call('provision_access', { ...args, system: s, level: level ?? DEFAULT_LEVEL, duration_hours: hours ?? DEFAULT_HOURS }));
  };

  let earlier: Extract<Subject, { kind: 'person' }> | undefined;
  /** Plans one clause; 'skipped' when it was left out on purpose (answered already). */
  const planClause = (c: Clause): 'skipped' | void => {
    const t = c.text;
    const devices = deviceIds(c.about ?? c.raw, keys);
    const tickets = ticketIdsIn(c.about ?? c.raw, keys);
    const reading = readPeople(t, req.systemIds ?? []);
    noteExcluded(reading);
    const named = c.subject ?? (c.about !== undefined ? subjectOf(c.about, req) : subjectOf(reading.focus, req, earlier, reading.excluded));
    // The answer to "whom do you mean?" replans only the clauses that asked it: the others were done already.
    if (override?.clauses === 'unsure' && !isUnsure(named)) return 'skipped';
    const subject = override?.subject ?? named;
    if (subject.kind === 'person') {
      lastPerson = subject.id;
      earlier = subject;
    }
    // "lock the intern's", "restart mine": a device command's object, left out after its owner.
    const ownerEnds = /['’]s(?:\s+(?:one|too|as well|also|please|pls|now))*[\s.!?]*$|\bmine\b/.test(t);
    const mentionsDevice = devices.length > 0 || new RegExp(`\\b${DEVICE_WORDS}\\b`).test(t) || /\bit\b/.test(t) || ownerEnds;

    const command = (name: 'lock' | 'restart' | 'wipe') => {
      const d = deviceOf(t, devices, subject, 'execute_remote_command', { command: name });
      if (d) calls.push(call('execute_remote_command', { device_id: d, command: name }));
      return d;
    };
    if (RE.approvalQueue.test(t)) {
      calls.push(call('list_pending_approvals', {}));
      return;
    }
    // "extend my access", "can I have aws-prod for 2 more hours": the requester's grant asked for again.
    if (subject.kind === 'self' && asksToExtend(t, req.systemIds ?? [])) {
      const ext = planExtension(me.id, req.grants ?? [], t, req.systemIds ?? []);
      if (ext.kind === 'call') calls.push(call('provision_access', ext.args));
      else notes.push(ext.text);
      if (ext.kind === 'which') pending = ext.pending;
      return;
    }
    // A question about someone else's access or tickets is read-only, and only the requester's own can be shown.
    if (RE.accessQuestion.test(t) && !RE.accessRequest.test(t) && subject.kind !== 'self') {
      notes.push(`I can only show your own access ("what access do I have?"), not ${whoseName(subject)}. An IT admin can look theirs up in the access system.`);
      return;
    }
    if (RE.ticketsQuestion.test(t) && !tickets.length && subject.kind !== 'self') {
      notes.push(`I can only list your own tickets ("my open tickets"), not ${whoseName(subject)}. A ticket I can check by its id, like ${keys.example}.`);
      return;
    }
    // "do I have admin on github?", "and what about mine?" (after "I can only show your own access"): a question, not a request.
    if (subject.kind === 'self' && !RE.accessRequest.test(t) && (/^(?:is|are|does|do|has|have)\b/.test(t) && RE.accessQuestion.test(t) || (OWN_AGAIN.test(t) && /only show your own access/.test(lastAssistant?.content ?? '')))) {
      calls.push(call('list_my_access', {}));
      return;
    }
    if (subject.kind === 'self' && OWN_AGAIN.test(t) && /only list your own tickets/.test(lastAssistant?.content ?? '')) {
      calls.push(call('list_my_tickets', {}));
      return;
    }
    if (RE.myAccess.test(t) && subject.kind === 'self') {
      calls.push(call('list_my_access', {}));
      return;
    }
    if (RE.myTickets.test(t) && !tickets.length && !RE.createTicket.test(t)) {
      calls.push(call('list_my_tickets', {}));
      return;
    }
    // "wipe all laptops", "reset everyone's password": one named person or device at a time.
    if (namesEveryone(reading.kept) && ACTING.some((re) => affirmed(t, re))) {
      notes.push("I act on one named person or device at a time, so I won't do that for everyone. Whose do you mean? Tell me a name, email or device id (for many at once, I can open a ticket for IT).");
      return;
    }
    if (affirmed(t, RE.wipe)) {
      command('wipe');
      return;
    }
    if (affirmed(t, RE.stolen) && mentionsDevice && subject.kind === 'person' && !affirmed(t, RE.lock)) {
      // Someone else's device reported lost, nothing asked: offer to lock it rather than act unasked.
      const d = deviceOf(t, devices, subject, 'execute_remote_command', { command: 'lock' });
      if (d) {
        notes.push(`Shall I lock ${d} (${subject.name}'s)? (yes / no) It can also be wiped if it can't be recovered (that needs an IT admin's approval).`);
        pending = { tool: 'execute_remote_command', args: { device_id: d, command: 'lock' }, missing: ['confirm'] };
      }
      return;
    }
    if (affirmed(t, RE.stolen) && mentionsDevice) {
      const d = command('lock');
      // Said before policy decides, so it promises nothing: the summary says what actually happened.
      if (d) notes.push(`If ${d} can't be recovered, it can be wiped (that needs an IT admin's approval), and I can open a ticket for a replacement.`);
      return;
    }
    if (affirmed(t, RE.lock) && !/\bunlock\b/.test(t) && mentionsDevice) {
      command('lock');
      return;
    }
    if (affirmed(t, RE.restart)) {
      command('restart');
      return;
    }
    if (affirmedAgain(t, RE.password)) {
      const user = userOf(subject);
      if (user) calls.push(call('reset_password', { user }));
      return;
    }
    if (RE.createTicket.test(t)) {
      // One of several requests: the ticket is about its own clause ("… and open a ticket about outlook").
      calls.push(call('create_support_ticket', { summary: summaryFrom(several ? c.raw : raw), description: raw.slice(0, 4000), priority: priorityFrom(whole) }));
      return;
    }
    if (tickets.length && (RE.ticketStatus.test(t) || /\b(?:ticket|check|how|what)\b/.test(t) || t.replace(/[^a-z]/g, '').length < 12)) {
      for (const id of tickets) calls.push(call('check_ticket_status', { ticket_id: id }));
      return;
    }
    if (/\b(?:my|the) (?:ticket|tickets|case|request)\b/.test(t) && (RE.ticketStatus.test(t) || /\b(?:check|look (?:at|up)|how is)\b/.test(t))) {
      notes.push(`Which ticket? Give me its id, like ${keys.example}.`);
      return;
    }
    if (affirmedAgain(t, RE.access) && !/\bpassword\b/.test(t)) {
      const user = userOf(subject);
      if (user) planAccess(user, c.raw, t);
      return;
    }
    if ((RE.diagnostic.test(t) && (mentionsDevice || /\b(?:slow|battery|disk|storage|overheat|crash|freez|frozen|fan)/.test(t) || (several && /\b(?:run|do)\b.*\bdiagnos/.test(t)))) || RE.diagnosticVerb.test(t)) {
      const d = deviceOf(t, devices, subject, 'run_device_diagnostic', {});
      if (d) calls.push(call('run_device_diagnostic', { device_id: d }));
      return;
    }
    if (RE.hardware.test(t)) {
      // A problem reported, nothing asked: offer the ticket rather than file one unasked.
      notes.push("I can't fix that from here, but I can open a ticket for IT with your message. Shall I? (yes / no)");
      offer = 'ticket';
      return;
    }
  };
  /** Clauses that asked for something and got neither a proposal nor a word in the reply. */
  const unplanned: string[] = [];
  const planned = clauses(raw, names).flatMap((c) => eachPerson(c, req));
  const several = planned.length > 1;
  for (const c of planned) {
    const before = { calls: calls.length, notes: notes.length, pending };
    if (planClause(c) === 'skipped') continue;
    const said = c.said ?? c.raw;
    if (calls.length === before.calls && notes.length === before.notes && pending === before.pending && ASKS_FOR_ACTION.test(c.text) && !unplanned.includes(said)) unplanned.push(said);
  }
  // Nothing of a message is dropped silently: a request no rule could plan is named in the reply.
  if (unplanned.length && (calls.length || notes.length)) {
    notes.push(`I haven't done ${unplanned.map((u) => `"${u.slice(0, 80)}"`).join(' or ')}: I couldn't tell exactly what to do there, so I left it. Ask me for it on its own, saying what it is about (e.g. "restart alice's laptop").`);
  }

  /** The request a classifier's guess names, planned like any other; null when it leads nowhere safe. */
  const planFromHint = (intent: string): Plan | null => {
    const reading = readPeople(whole, req.systemIds ?? []);
    noteExcluded(reading);
    const subject = subjectOf(reading.focus, req, undefined, reading.excluded);
    const devices = deviceIds(raw, keys);
    const tool = findTool(intent);
    // A guess acts on one named person at a time too, and shows only the requester's own things.
    if (tool && intent !== 'create_support_ticket' && namesEveryone(reading.kept)) {
      return { text: "I act on one named person or device at a time, so I won't do that for everyone. Whose do you mean? Tell me a name, email or device id.", calls: [] };
    }
    if (tool?.input.safeParse({}).success && subject.kind !== 'self') {
      const what = { list_my_access: 'access ("what access do I have?")', list_my_tickets: 'tickets ("my open tickets")', list_pending_approvals: 'approval queue' }[intent] ?? `${intent.replace(/_/g, ' ')}`;
      return { text: `I can only show your own ${what}, not ${whoseName(subject)}.`, calls: [] };
    }
    switch (intent) {
      case 'reset_password': {
        const user = userOf(subject);
        return { text: notes.join(' ') || null, calls: user ? [call('reset_password', { user })] : [] };
      }
      case 'run_device_diagnostic': {
        const d = deviceOf(whole, devices, subject, 'run_device_diagnostic', {});
        return { text: notes.join(' ') || null, calls: d ? [call('run_device_diagnostic', { device_id: d })] : [] };
      }
      case 'execute_remote_command': {
        const d = deviceOf(whole, devices, subject, 'execute_remote_command', {});
        return { text: notes.join(' ') || (d ? `Do you want me to lock, restart or wipe ${d}?` : null), calls: [] };
      }
      case 'provision_access': {
        const user = userOf(subject);
        if (user) planAccess(user, raw, whole);
        return { text: notes.join(' ') || null, calls: [...calls] };
      }
      case 'create_support_ticket':
        offer = 'ticket';
        return { text: "I can open a ticket for IT with your message. Shall I? (yes / no)", calls: [] };
      case 'cancel':
        return { text: null, calls: [], withdraw: true };
      default:
        // A tool that needs no arguments (list_my_access, …) is planned from its own examples alone: adding
        // one needs no branch here.
        return findTool(intent)?.input.safeParse({}).success ? { text: null, calls: [call(intent, {})] } : null;
    }
  };

  // The safety net under all of the above: nothing is proposed for someone the message excluded.
  const notExcluded = (c: RawCall): boolean => {
    const args = JSON.parse(c.arguments) as { user?: unknown; device_id?: unknown };
    const whose = excludedUsers.get(String(args.user)) ?? excludedDevices.get(String(args.device_id));
    if (whose) notes.push(`I left ${whose}'s alone, as you said.`);
    return !whose;
  };
  const unique = dedupe(calls).filter(notExcluded);
  const dialogue = (extra: Partial<DialogueState> = {}): DialogueState => ({
    ...(lastPerson ? { lastPerson } : {}),
    ...(lastDevice ? { lastDevice } : {}),
    ...(pending ? { pending } : {}),
    ...(offer ? { offer } : {}),
    ...(askedWho && !override ? { unresolved: raw.slice(0, 500) } : {}),
    ...(unique.length ? { lastRequest: raw.slice(0, 500) } : req.dialogue?.lastRequest ? { lastRequest: req.dialogue.lastRequest } : {}),
    ...extra,
  });
  if (unique.length === 0 && notes.length === 0) {
    // "I meant the intern's", "mine": whom the request held back last time was about.
    const heldBack = req.dialogue?.unresolved;
    if (heldBack && !override) {
      const who = subjectOf(whole, req);
      const named: Subject | null =
        who.kind === 'person' || who.kind === 'unknown' ? who : who.kind === 'bare' ? { kind: 'person', ...who.person } : SELF.test(whole) ? { kind: 'self' } : null;
      if (named?.kind === 'unknown') return { text: whoQuestion(named), calls: [], dialogue: dialogue({ unresolved: heldBack }) };
      // "bob", "it's bob smith": a short answer naming someone the directory does not know.
      const answer = whole.replace(/^(?:sorry,?\s*|no,?\s*)?(?:i meant|meant|it'?s|its|it is|that'?s|that is|he'?s|she'?s|they'?re|for|the)\s+/, '').replace(/[.!]+$/, '');
      const unknown = answer.split(' ').length <= 2 && !/^(?:what|how|why|when|where|who|is|are|can|do|does)\b/.test(answer) ? bareNames(whole, req.systemIds ?? []).find((w) => resolvedAll.has(w) && resolvedAll.get(w) === null) : undefined;
      if (!named && unknown) return { text: whoQuestion({ kind: 'unknown', name: unknown }), calls: [], dialogue: dialogue({ unresolved: heldBack }) };
      if (named) return offlinePlan({ ...req, message: heldBack, dialogue: { ...req.dialogue, unresolved: undefined } }, undefined, { subject: named, clauses: 'unsure' });
    }
    const again = req.dialogue?.lastRequest;
    // "no, I meant alice" after a request went ahead: the same request for alice; the earlier one stands.
    if (again && !override && (CORRECTION.test(whole) || JUST_FOR.test(whole))) {
      const who = subjectOf(whole, req);
      const named: Subject | null = who.kind === 'bare' ? { kind: 'person', ...who.person } : who.kind === 'self' ? (SELF.test(whole) ? who : null) : who;
      if (named && isUnsure(named)) return { text: whoQuestion(named), calls: [], dialogue: dialogue() };
      if (named) {
        const replanned = offlinePlan({ ...req, message: again, dialogue: { ...req.dialogue, lastRequest: undefined } }, undefined, { subject: named, clauses: 'all' });
        // "only alice's" after a request for several: that one again, now, through policy as usual.
        if (!CORRECTION.test(whole)) {
          const note = `Your earlier request ("${again.slice(0, 80)}") was already handled as shown above, and I haven't undone it.`;
          return { ...replanned, text: [note, replanned.text].filter(Boolean).join(' ') };
        }
        // "no wait, make that the intern" after it was handled: what became of the earlier one is said
        // plainly (nothing undoes it), and the corrected request is offered, never run on the correction alone.
        const note = earlierRequestStands(again, lastAssistant?.content);
        const keep = { ...dialogue(), lastRequest: again };
        const offered = offerPlanned(replanned, req);
        if (offered) return { ...offered, text: `${note} ${offered.text}`, dialogue: { ...keep, ...offered.dialogue, lastRequest: again } };
        if (!replanned.calls.length) return { ...replanned, text: [note, replanned.text].filter(Boolean).join(' '), dialogue: { ...keep, ...(replanned.dialogue ?? {}), lastRequest: again } };
        const whom = named.kind === 'self' ? 'yourself' : whoseName(named).replace(/'s$/, '');
        return { text: `${note} If you want it for ${whom}, ask me for it again in words, naming them (e.g. "${again.slice(0, 60)}" with their name).`, calls: [], dialogue: keep };
      }
    }
    if (again && !override && (ALSO_FOR.test(whole) || AND_FOR.test(whole))) {
      const who = subjectOf(whole, req);
      // Someone must be named ("the vpn too" names nobody, and is not the same request again).
      const named: Subject | null =
        who.kind === 'bare' ? { kind: 'person', ...who.person } : who.kind === 'self' || who.kind === 'unclear' ? (SELF.test(whole) ? { kind: 'self' } : who.kind === 'unclear' ? who : null) : who;
      if (named && isUnsure(named)) return { text: whoQuestion(named), calls: [], dialogue: dialogue() };
      if (named) return offlinePlan({ ...req, message: again, dialogue: { ...req.dialogue, lastRequest: undefined } }, undefined, { subject: named, clauses: 'all' });
    }
    if (RE.negatedAction.test(whole)) return { text: "OK, I won't do that. Anything else I can help with?", calls: [], dialogue: dialogue() };
    // Nothing new was asked: perhaps the answer to the question asked last time.
    // An answer naming someone else ("I need access" → "which system?" → "alice needs github") is for them.
    const answerFor = subjectOf(readPeople(whole, req.systemIds ?? []).focus, req);
    const pendingFor = req.dialogue?.pending;
    if (pendingFor && 'user' in pendingFor.args && (answerFor.kind === 'unknown' || answerFor.kind === 'described' || answerFor.kind === 'bare')) {
      const asked = answerFor.kind === 'bare' ? { kind: 'person' as const, ...answerFor.person } : answerFor;
      if (asked.kind !== 'person') return { text: whoQuestion(asked), calls: [], dialogue: dialogue0(req) };
      return offlinePlanPending({ ...pendingFor, args: { ...pendingFor.args, user: asked.id } }, raw, req, dialogue());
    }
    if (pendingFor && 'user' in pendingFor.args && answerFor.kind === 'person') {
      return offlinePlanPending({ ...pendingFor, args: { ...pendingFor.args, user: answerFor.id } }, raw, req, dialogue());
    }
    const filled = req.dialogue?.pending ? fillPending(req.dialogue.pending, raw, req) : null;
    if (filled) return { ...filled, dialogue: { ...dialogue(), pending: undefined, ...(filled.dialogue ?? {}) } };
    const guessed = hint ? planFromHint(hint) : null;
    if (guessed) {
      const safe = guessed.calls.filter(notExcluded);
      return { ...guessed, calls: safe, text: safe.length < guessed.calls.length ? notes.join(' ') : guessed.text, dialogue: dialogue() };
    }
    // A few words are not worth a ticket; a question still open ("who do you mean?") stays open.
    const worthATicket = whole.split(' ').length >= 3;
    const unsure: Plan = {
      text: `I'm not sure I understood that. ${CAPABILITIES}${worthATicket ? ` If it's something else, I can open a ticket for IT with your message: just say "yes".` : ''}`,
      calls: [],
      dialogue: dialogue({ ...(worthATicket ? { offer: 'ticket' as const } : {}), ...(req.dialogue?.unresolved ? { unresolved: req.dialogue.unresolved } : {}) }),
    };
    notUnderstood.add(unsure);
    return unsure;
  }
  return { text: notes.length ? notes.join(' ') : null, calls: unique, dialogue: dialogue() };
}

/**
 * Fills the arguments a pending request was missing from the thread's next message ("github", "read
 * for 8 hours", "LAPTOP-ALICE-01"). Returns null when the message answers none of them.
 */
/** The pending request filled from this message, or (nothing filled) asked again, for whoever it is now for. */
function offlinePlanPending(pending: NonNullable<DialogueState['pending']>, raw: string, req: ProposeRequest, memory: DialogueState): Plan {
  const filled = fillPending(pending, raw, req);
  if (filled) return { ...filled, dialogue: { ...memory, pending: undefined, ...(filled.dialogue ?? {}) } };
  const question = pending.missing.includes('system') ? 'Which system do they need access to?' : 'I still need a bit more: which one?';
  return { text: question, calls: [], dialogue: { ...memory, pending } };
}

function fillPending(pending: NonNullable<DialogueState['pending']>, raw: string, req: ProposeRequest): Plan | null {
  const t = normalize(raw);
  const args: Record<string, unknown> = { ...pending.args };
  if (/^(?:cancel|never ?mind|nvm|forget it|no|nope|stop)\b/.test(t)) return { text: "OK, I've dropped that request.", calls: [], dialogue: null };
  let answered = false;
  for (const slot of pending.missing) {
    if (slot === 'confirm') {
      // "yes", "yes lock it": the offered action, exactly as offered.
      if (RE.yes.test(t) && !/\b(?:wipe|restart|reboot|reset)\b/.test(t)) {
        args.confirm = true;
        answered = true;
      }
    } else if (slot === 'system') {
      const system = findSystem(t, req.systemIds ?? []) ?? (req.systemIds ?? []).find((s) => t === s);
      if (system && (req.systemIds ?? []).includes(system)) {
        args.system = system;
        answered = true;
      }
    } else if (slot === 'device_id') {
      const id = deviceIds(raw, req.ticketKeys)[0];
      if (id) {
        args.device_id = id;
        answered = true;
      }
    } else if (slot === 'level') {
      // "read, 4 hours", "write", "for a day": either half answers; the other takes its default.
      const level = accessLevel(t);
      const hours = durationHours(t);
      if (level || hours) {
        args.level = level ?? DEFAULT_LEVEL;
        if (hours) args.duration_hours = hours;
        answered = true;
      }
    }
  }
  if (!answered) return null;
  const missing = pending.missing.filter((m) => args[m] === undefined);
  if (args.extend === true && args.system) {
    // "Which one should I extend?" → "github": that grant again, at its level.
    const ext = extensionFromAnswer(args, req.grants ?? []);
    if (!ext) return { text: `You don't have access to ${String(args.system)} to extend. Which one should I extend?`, calls: [], dialogue: { pending } };
    return { text: null, calls: [call('provision_access', ext)], dialogue: null };
  }
  if (pending.tool === 'provision_access' && args.system && args.level === undefined) {
    // A system named: the level and duration matter too, and the defaults may not be what they need.
    const level = accessLevel(t);
    const hours = durationHours(t);
    if (hours) args.duration_hours = hours;
    if (level || args.duration_hours) args.level = level ?? DEFAULT_LEVEL;
    else return { text: levelQuestion(String(args.system)), calls: [], dialogue: { pending: { tool: pending.tool, args, missing: ['level'] } } };
  }
  delete args.confirm;
  if (missing.length) return { text: 'I still need a bit more: which one?', calls: [], dialogue: { pending: { tool: pending.tool, args, missing } } };
  if (pending.tool === 'provision_access') {
    args.duration_hours = args.duration_hours ?? durationHours(t) ?? DEFAULT_HOURS;
    args.level = args.level ?? DEFAULT_LEVEL;
    args.reason = args.reason ?? 'Requested via Sentinel';
  }
  return { text: null, calls: [call(pending.tool, args)], dialogue: null };
}

function dedupe(calls: RawCall[]): RawCall[] {
  const seen = new Set<string>();
  return calls.filter((c) => {
    const key = `${c.name}:${c.arguments}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
