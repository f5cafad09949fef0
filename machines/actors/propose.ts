import { pendingApprovals } from '../../db/approvals';
import { recentMessages } from '../../db/messages';
import { describeCall } from '../../tools/registry';
import { askedToConfirm, isTypedConfirmation, typedConfirmation, whichConfirmation, type Confirmable } from '../llm/confirmation';
import type { ProposeInput } from '../agent';
import { afterPersist, type AgentDeps } from '../deps';
import { boundPlan } from '../llm/plan-bounds';
import { canonicalText } from '../llm/canonical';
import { bareNames, personMentions } from '../llm/mentions';
import type { RequesterGrant, RequesterProfile, ResolvedPerson, TicketKeys } from '../llm/provider';
import { isTicketKey } from '../llm/ticket-keys';
import type { DialogueState, Plan } from '../types';
import type { Actor } from '../../policies/types';
import { valueOr } from '../../tools/backends/types';
import { dialogueAfter, dialogueFor, isSomeoneElses } from '../dialogue-owner';
import { endedGrants } from '../../db/grant-schedule';

export async function requesterProfile(deps: AgentDeps, requester: Actor): Promise<RequesterProfile> {
  const devices = valueOr(await deps.backends.mdm.listByOwner(requester), []);
  return {
    id: requester.id,
    role: requester.role,
    email: requester.email ?? null,
    name: requester.name ?? null,
    devices: devices.filter((d) => d.status !== 'wiped').map((d) => d.id),
  };
}

/** Looks up who the message names (and who the thread last talked about) in the directory and inventory. */
async function resolvePeople(deps: AgentDeps, asker: Actor, message: string, systems: string[], dialogue: DialogueState | null | undefined, ticketKeys: TicketKeys): Promise<ResolvedPerson[]> {
  const mentions: string[] = [];
  // Said as a person ("bob's laptop", "for bob"), not just a word that might be a name ("forgot").
  const asPerson = new Set<string>();
  // A request held back by "whom do you mean?" is planned again with this message: its people count too.
  // Read as the planner reads it: look-alike characters folded, invisible ones dropped (machines/llm/canonical.ts).
  for (const text of [message, dialogue?.unresolved ?? ''].map((t) => canonicalText(t).toLowerCase())) {
    const said = personMentions(text, systems).map((m) => m.text).slice(0, 5);
    for (const m of said) asPerson.add(m);
    mentions.push(...said, ...bareNames(text, systems));
  }
  if (dialogue?.lastPerson) mentions.push(dialogue.lastPerson);
  const resolved: ResolvedPerson[] = [];
  // A ticket key ("status of HELP-7") names a ticket, not a person: the directory is not asked about it.
  for (const mention of new Set(mentions.filter((m) => !isTicketKey(m, ticketKeys)))) {
    const user = valueOr(await deps.backends.directory.find(mention), null);
    // A guest may act on nobody else, and learns nothing of the directory: anyone they name but themselves
    // is just the words they wrote, with no devices, known or not (so "alice" and a made-up "bob" get the
    // same answer, the policy's refusal, and no full name, id format or device id comes back).
    if (asker.role === 'guest' && user?.id !== asker.id) {
      // Said as a person: a stand-in. A bare word ("forgot", "alice" in "what access does alice have"):
      // nobody, whether or not the directory knows it.
      resolved.push({ mention, person: asPerson.has(mention) ? { id: mention, name: mention, devices: [] } : null });
      continue;
    }
    const devices = user ? valueOr(await deps.backends.mdm.listByOwner(user), []) : [];
    resolved.push({ mention, person: user ? { id: user.id, name: user.name, devices: devices.filter((d) => d.status !== 'wiped').map((d) => d.id) } : null });
  }
  return resolved;
}

const HOUR_MS = 3_600_000;
const utcTime = (ms: number) => `${new Date(ms).toISOString().slice(11, 16)} UTC`;

/**
 * The requester's grants for "extend my access": in force (the Access backend), then the three that ended
 * last (Sentinel's grant schedule, whatever the backend). A backend that cannot answer gives none in force.
 */
async function requesterGrants(deps: AgentDeps, requester: Actor): Promise<RequesterGrant[]> {
  const now = deps.now();
  const shape = (g: { system: string; level: RequesterGrant['level']; grantedAt: number; endsAt: number }, active: boolean): RequesterGrant => ({
    system: g.system,
    level: g.level,
    hours: Math.max(1, Math.round((g.endsAt - g.grantedAt) / HOUR_MS)),
    hoursLeft: active ? Math.max(0, Math.ceil((g.endsAt - now) / HOUR_MS)) : 0,
    active,
    until: utcTime(g.endsAt),
  });
  const inForce = valueOr(await deps.backends.access.activeGrants(requester.id, now), []).map((g) => shape({ ...g, endsAt: g.expiresAt }, true));
  const ended = endedGrants(deps.db, requester.id, now, 3);
  return [...inForce, ...ended.map((g) => shape(g, false))];
}

/** The requester's own confirmations still waiting in this thread (a request that needs other approvers is never one). */
function confirmableBy(deps: AgentDeps, input: ProposeInput): Confirmable[] {
  const now = deps.now();
  return pendingApprovals(deps.db, input.conversationId)
    .filter((a) => a.required === 'requester' && a.requester === input.requester.id && a.expiresAt > now)
    .map((a) => ({ id: a.id, what: describeCall(a.tool, JSON.parse(a.args)) ?? a.tool }));
}

/** A confirmation waiting in this thread for someone other than the requester, if any. */
function othersConfirmationIn(deps: AgentDeps, input: ProposeInput): string | null {
  const now = deps.now();
  return pendingApprovals(deps.db, input.conversationId).find((a) => a.required === 'requester' && a.requester !== input.requester.id && a.expiresAt > now)?.id ?? null;
}

export async function propose(deps: AgentDeps, input: ProposeInput, signal: AbortSignal): Promise<Plan> {
  // Someone joining another person's conversation gets neither its memory nor its messages: their "yes"
  // or "mine" answers nothing of the other person's, and the other person's words are not theirs to file.
  const joined = isSomeoneElses(input.dialogue, input.requester.id);
  // Their "yes, confirm" to the confirmation someone else was asked for: told so, not left guessing.
  const othersConfirmation = joined && isTypedConfirmation(input.message) ? othersConfirmationIn(deps, input) : null;
  if (othersConfirmation) {
    return { text: `Request ${othersConfirmation} isn't waiting for a confirmation from you: only the person who asked can confirm it, while it is still waiting.`, calls: [], dialogue: input.dialogue ?? null };
  }
  const plan = await proposeWith(deps, { ...input, dialogue: dialogueFor(input.dialogue, input.requester.id) }, joined, signal);
  return dialogueAfter(plan, input.requester.id, input.dialogue);
}

async function proposeWith(deps: AgentDeps, input: ProposeInput, joined: boolean, signal: AbortSignal): Promise<Plan> {
  await afterPersist(signal);
  // The current message was stored with the move to `proposing`; history is what came before it.
  // A shared thread: each person's exchange with Sentinel only (messages from before authors were kept count for all).
  const speaker = input.requester.id;
  const history = joined ? [] : recentMessages(deps.db, input.conversationId, deps.historyMessages + 1).filter((m) => !m.author || m.author === speaker);
  const last = history[history.length - 1];
  if (last && last.role === 'user' && last.content === input.message) history.pop();
  while (history.length > deps.historyMessages) history.shift();
  // "yes, confirm" to the confirmation the last reply asked this requester for: decided by code, for any
  // provider, and answered by the runner as `--approve` by the requester (machines/runner.ts confirmTyped).
  const lastAssistant = [...history].reverse().find((m) => m.role === 'assistant')?.content;
  const confirmable = confirmableBy(deps, input);
  const confirmed = typedConfirmation(input.message, lastAssistant, confirmable);
  if (confirmed) {
    return { text: `You confirmed request ${confirmed.id} (${confirmed.what}): checking it again before I go ahead.`, calls: [], confirm: confirmed.id, dialogue: input.dialogue ?? null };
  }
  // A bare yes that answers no question, while a confirmation of theirs waits further back: say which.
  const which = askedToConfirm(lastAssistant) ? null : whichConfirmation(input.message, confirmable);
  if (which && !input.dialogue?.pending && !input.dialogue?.offer) return { text: which, calls: [], dialogue: input.dialogue ?? null };
  const [requester, systemIds] = await Promise.all([requesterProfile(deps, input.requester), deps.backends.access.listSystems().then((r) => valueOr(r, []))]);
  // Ticket keys as the configured backend writes them (IT-1042 embedded, the Jira project's keys with Jira).
  const ticketKeys: TicketKeys = { pattern: deps.backends.tickets.keyPattern, example: deps.backends.tickets.keyExample };
  const people = await resolvePeople(deps, input.requester, input.message, systemIds, input.dialogue, ticketKeys);
  const grants = await requesterGrants(deps, input.requester);
  return boundPlan(await deps.llm.propose({ requester, history, message: input.message, systemIds, people, dialogue: input.dialogue, ticketKeys, grants }, signal));
}
