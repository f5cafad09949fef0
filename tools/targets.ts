import type { Target } from '../policies/types';
import type { Backends } from './backends/types';

// What a tool acts on, with the facts an approval is bound to: owner and state. An approved action runs
// only while these are what the approver saw (machines/actors/recheck.ts).

export async function deviceTarget(backends: Backends, deviceId: string): Promise<Target> {
  const d = await backends.mdm.get(deviceId);
  return d ? { kind: 'device', id: d.id, owner: d.owner, state: d.status } : { kind: 'device', id: deviceId, owner: null };
}

export async function userTarget(backends: Backends, idOrEmail: string): Promise<Target> {
  const u = await backends.directory.find(idOrEmail);
  return u ? { kind: 'user', id: u.id, owner: u.id, state: `${u.active ? 'active' : 'inactive'} ${u.email}` } : { kind: 'user', id: idOrEmail, owner: null };
}

export async function ticketTarget(backends: Backends, ticketId: string): Promise<Target> {
  const t = await backends.tickets.get(ticketId);
  return t ? { kind: 'ticket', id: t.id, owner: t.requester, state: t.status } : { kind: 'ticket', id: ticketId.toUpperCase(), owner: null };
}
