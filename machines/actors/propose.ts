import { recentMessages } from '../../db/messages';
import type { ProposeInput } from '../agent';
import { afterPersist, type AgentDeps } from '../deps';
import { boundPlan } from '../llm/plan-bounds';
import { canonicalText } from '../llm/canonical';
import { bareNames, personMentions } from '../llm/mentions';
import type { RequesterProfile, ResolvedPerson, TicketKeys } from '../llm/provider';
import { isTicketKey } from '../llm/ticket-keys';
import type { DialogueState, Plan } from '../types';
import type { Actor } from '../../policies/types';
import { valueOr } from '../../tools/backends/types';

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
async function resolvePeople(deps: AgentDeps, message: string, systems: string[], dialogue: DialogueState | null | undefined, ticketKeys: TicketKeys): Promise<ResolvedPerson[]> {
  const mentions: string[] = [];
  // A request held back by "whom do you mean?" is planned again with this message: its people count too.
  // Read as the planner reads it: look-alike characters folded, invisible ones dropped (machines/llm/canonical.ts).
  for (const text of [message, dialogue?.unresolved ?? ''].map((t) => canonicalText(t).toLowerCase())) {
    mentions.push(...personMentions(text, systems).map((m) => m.text).slice(0, 5), ...bareNames(text, systems));
  }
  if (dialogue?.lastPerson) mentions.push(dialogue.lastPerson);
  const resolved: ResolvedPerson[] = [];
  // A ticket key ("status of HELP-7") names a ticket, not a person: the directory is not asked about it.
  for (const mention of new Set(mentions.filter((m) => !isTicketKey(m, ticketKeys)))) {
    const user = valueOr(await deps.backends.directory.find(mention), null);
    const devices = user ? valueOr(await deps.backends.mdm.listByOwner(user), []) : [];
    resolved.push({ mention, person: user ? { id: user.id, name: user.name, devices: devices.filter((d) => d.status !== 'wiped').map((d) => d.id) } : null });
  }
  return resolved;
}

export async function propose(deps: AgentDeps, input: ProposeInput, signal: AbortSignal): Promise<Plan> {
  await afterPersist(signal);
  // The current message was stored with the move to `proposing`; history is what came before it.
  const history = recentMessages(deps.db, input.conversationId, deps.historyMessages + 1);
  const last = history[history.length - 1];
  if (last && last.role === 'user' && last.content === input.message) history.pop();
  while (history.length > deps.historyMessages) history.shift();
  const [requester, systemIds] = await Promise.all([requesterProfile(deps, input.requester), deps.backends.access.listSystems().then((r) => valueOr(r, []))]);
  // Ticket keys as the configured backend writes them (IT-1042 embedded, the Jira project's keys with Jira).
  const ticketKeys: TicketKeys = { pattern: deps.backends.tickets.keyPattern, example: deps.backends.tickets.keyExample };
  const people = await resolvePeople(deps, input.message, systemIds, input.dialogue, ticketKeys);
  return boundPlan(await deps.llm.propose({ requester, history, message: input.message, systemIds, people, dialogue: input.dialogue, ticketKeys }, signal));
}
