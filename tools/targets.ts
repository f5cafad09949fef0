import type { Target } from '../policies/types';
import type { Backends } from './backends/types';

// What a tool acts on, with the facts an approval is bound to: owner and state. An approved action runs
// only while these are what the approver saw (machines/actors/recheck.ts).

export async function deviceTarget(backends: Backends, deviceId: string): Promise<Target> {
  const found = await backends.mdm.get(deviceId);
  const d = found.ok ? found.value : null;
  if (!d) return { kind: 'device', id: deviceId, owner: null };
  // The owner is whoever the configured directory says has the owner's email (an MDM and a directory
  // from different vendors share no ids); the MDM's own owner id only when it has no email.
  let owner = d.ownerEmail ? null : d.owner;
  if (d.ownerEmail) {
    const user = await backends.directory.find(d.ownerEmail);
    owner = user.ok && user.value ? user.value.id : null;
  }
  return { kind: 'device', id: d.id, owner, state: d.status };
}

export async function userTarget(backends: Backends, idOrEmail: string): Promise<Target> {
  const found = await backends.directory.find(idOrEmail);
  const u = found.ok ? found.value : null;
  return u ? { kind: 'user', id: u.id, owner: u.id, state: `${u.active ? 'active' : 'inactive'} ${u.email}` } : { kind: 'user', id: idOrEmail, owner: null };
}

export async function ticketTarget(backends: Backends, ticketId: string): Promise<Target> {
  const found = await backends.tickets.get(ticketId);
  const t = found.ok ? found.value : null;
  return t ? { kind: 'ticket', id: t.id, owner: t.requester, state: t.status } : { kind: 'ticket', id: ticketId.toUpperCase(), owner: null };
}
