import { recentMessages } from '../../db/messages';
import type { ProposeInput } from '../agent';
import { afterPersist, type AgentDeps } from '../deps';
import { boundPlan } from '../llm/plan-bounds';
import type { RequesterProfile } from '../llm/provider';
import type { Plan } from '../types';
import type { Actor } from '../../policies/types';

export async function requesterProfile(deps: AgentDeps, requester: Actor): Promise<RequesterProfile> {
  const devices = await deps.backends.mdm.listByOwner(requester.id);
  return {
    id: requester.id,
    role: requester.role,
    email: requester.email ?? null,
    name: requester.name ?? null,
    devices: devices.filter((d) => d.status !== 'wiped').map((d) => d.id),
  };
}

export async function propose(deps: AgentDeps, input: ProposeInput, signal: AbortSignal): Promise<Plan> {
  await afterPersist(signal);
  // The current message was stored with the move to `proposing`; history is what came before it.
  const history = recentMessages(deps.db, input.conversationId, deps.historyMessages + 1);
  const last = history[history.length - 1];
  if (last && last.role === 'user' && last.content === input.message) history.pop();
  while (history.length > deps.historyMessages) history.shift();
  const [requester, systemIds] = await Promise.all([requesterProfile(deps, input.requester), deps.backends.access.listSystems()]);
  return boundPlan(await deps.llm.propose({ requester, history, message: input.message, systemIds }, signal));
}
