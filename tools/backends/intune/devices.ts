import { fail, ok, type BackendResult, type CommandReceipt, type Devices, type RemoteCommand } from '../types';
import { backoffMs, logged, type HttpOutcome } from '../http';
import { ACTION, alreadyUnderway, toDevice, type ManagedDeviceJson } from './device';
import { BACKEND, graphFailure } from './errors';
import { graphClient, type IntuneSettings } from './graph';
import { DEVICE_SELECT, eqFilter, listQuery } from './odata';

const INTUNE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const READ = 'DeviceManagementManagedDevices.Read.All';
const PRIVILEGED = 'DeviceManagementManagedDevices.PrivilegedOperations.All';
/** Devices of one person read in full; anyone with more is an edge IT handles in the Intune console. */
const MAX_OWNED = 20;
const VERB: Record<RemoteCommand, string> = { lock: 'lock', restart: 'restart', wipe: 'wipe' };

type Found = { json: ManagedDeviceJson; id: string };
const status = (o: HttpOutcome) => (o.kind === 'response' ? o.response.status : 0);

/**
 * Devices in Microsoft Intune through Graph v1.0. A device is named by its Intune device name (what IT
 * sees in the console) or by its Intune id; a name two devices share is refused rather than guessed.
 * Commands are queued by Intune (204) and carried out when the device checks in, so a receipt says
 * `requested`. Before any command is sent — first time, after a lost answer, or by a restarted
 * Sentinel — the device's action history is read: a wipe is never sent twice, and a lock or restart
 * already queued is not queued again.
 */
export function intuneDevices(s: IntuneSettings): Devices {
  const { call, http } = graphClient(s);
  const sleep = http.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = http.logger;

  /** Ids and names matching `filter`. A list is good for finding devices, nothing more (see `read`). */
  async function list(filter: string, what: string): Promise<BackendResult<Array<{ id: string; deviceName: string }>>> {
    const r = await call('GET', `/deviceManagement/managedDevices${listQuery(filter)}`, undefined, 'read', what);
    if (!r.ok) return r;
    if (status(r.value) !== 200 || r.value.kind !== 'response') return logged(graphFailure(r.value, 'read devices', READ), log, what);
    const value = (r.value.response.body as { value?: ManagedDeviceJson[] } | undefined)?.value;
    return ok((Array.isArray(value) ? value : []).filter((d) => typeof d.id === 'string' && d.id).map((d) => ({ id: d.id!, deviceName: d.deviceName ?? '' })));
  }

  /**
   * One device by its Intune id, with everything Sentinel reads. Only this call has the action history:
   * Graph leaves `deviceActionResults` empty in lists.
   */
  async function read(intuneId: string): Promise<BackendResult<ManagedDeviceJson | null>> {
    const r = await call('GET', `/deviceManagement/managedDevices/${encodeURIComponent(intuneId)}?$select=${DEVICE_SELECT}`, undefined, 'read', 'read a device');
    if (!r.ok) return r;
    if (status(r.value) === 404) return ok(null);
    if (status(r.value) !== 200 || r.value.kind !== 'response') return logged(graphFailure(r.value, 'read devices', READ), log, 'read a device');
    return ok(r.value.response.body as ManagedDeviceJson);
  }

  /** A device by Intune id or by name; null when there is none. */
  async function resolve(deviceId: string): Promise<BackendResult<Found | null>> {
    const wanted = deviceId.trim();
    if (INTUNE_ID.test(wanted)) {
      const r = await read(wanted);
      return !r.ok ? r : ok(r.value ? { json: r.value, id: r.value.id ?? wanted } : null);
    }
    const filter = eqFilter('deviceName', wanted);
    if (!filter) return ok(null);
    const found = await list(filter, 'find a device by name');
    if (!found.ok) return found;
    if (found.value.length > 1) {
      const ids = found.value.map((d) => d.id).join(', ');
      return fail(BACKEND, 'conflict', `Intune has ${found.value.length} devices named ${wanted}: name one by its Intune device id (${ids}), or ask IT to rename one.`);
    }
    const match = found.value[0];
    if (!match) return ok(null);
    const r = await read(match.id);
    return !r.ok ? r : ok(r.value ? { json: r.value, id: r.value.deviceName || match.deviceName || match.id } : null);
  }

  const receipt = (f: Found, command: RemoteCommand): CommandReceipt => ({ deviceId: f.id, command, state: 'requested', device: toDevice(f.json, f.id) });

  /** The device as Intune shows it now, under the name Sentinel used. */
  async function reread(f: Found): Promise<BackendResult<Found | null>> {
    const r = await resolve(f.json.id ?? f.id);
    return r.ok && r.value ? ok({ json: r.value.json, id: f.id }) : r;
  }

  return {
    async get(deviceId) {
      const r = await resolve(deviceId);
      if (!r.ok) return r;
      return ok(r.value ? toDevice(r.value.json, r.value.id) : null);
    },

    async listByOwner(owner) {
      // Never an empty filter: that lists every device in the tenant.
      const filter = eqFilter('userPrincipalName', owner.email);
      if (!filter) return ok([]);
      const found = await list(filter, "list a user's devices");
      if (!found.ok) return found;
      // Each one read by id: its state (wiped, locked) is in the action history a list leaves out.
      const read_ = await Promise.all(found.value.slice(0, MAX_OWNED).map((d) => read(d.id)));
      const failed = read_.find((r) => !r.ok);
      if (failed && !failed.ok) return failed;
      const devices = read_.flatMap((r) => (r.ok && r.value ? [r.value] : []));
      const names = devices.map((d) => (d.deviceName ?? '').toLowerCase());
      // A name the user's devices share cannot name one of them: those go by their Intune id.
      return ok(
        devices.map((d) => {
          const name = d.deviceName ?? '';
          const unique = name && names.filter((n) => n === name.toLowerCase()).length === 1;
          return toDevice(d, unique ? name : (d.id ?? name));
        }),
      );
    },

    async command(deviceId, command, requestedBy, _key, _now) {
      let r = await resolve(deviceId);
      for (let attempt = 1; ; attempt++) {
        if (!r.ok) return r;
        if (!r.value) return fail(BACKEND, 'not_found', `Intune has no device ${deviceId}.`);
        const f: Found = r.value;
        const before = toDevice(f.json, f.id);
        if (before.status === 'wiped' && command !== 'wipe') {
          return fail(BACKEND, 'conflict', `${f.id} is being wiped or has been wiped: Intune will not send it anything else.`);
        }
        if (alreadyUnderway(f.json, command)) {
          log?.info({ backend: BACKEND, device: f.id, command, requestedBy }, `intune: a ${ACTION[command]} of ${f.id} is already queued or done; not sent again`);
          return ok(receipt(f, command));
        }
        const body = command === 'wipe' ? { keepEnrollmentData: false, keepUserData: false } : undefined;
        // No automatic retry here: a second send happens only after the action history is read again.
        const sent = await call('POST', `/deviceManagement/managedDevices/${encodeURIComponent(f.json.id ?? f.id)}/${ACTION[command]}`, body, 'never', `${VERB[command]} a device`);
        if (!sent.ok) return sent;
        const o = sent.value;
        if (status(o) === 204 || status(o) === 200) {
          log?.info({ backend: BACKEND, device: f.id, command, requestedBy }, `intune: ${ACTION[command]} of ${f.id} queued`);
          const after = await reread(f);
          return ok(after.ok && after.value ? receipt(after.value, command) : { deviceId: f.id, command, state: 'requested', device: null });
        }
        const answered = o.kind === 'response' && status(o) !== 429 && status(o) < 500;
        if (answered) return logged(graphFailure(o, `${VERB[command]} devices`, PRIVILEGED), log, `${ACTION[command]} ${f.id}`);
        // Throttled (not done), or no clear answer (maybe done): wait, then read the history again.
        const wait = backoffMs(o, attempt, http);
        if (attempt > http.maxRetries || wait > http.maxDelayMs) return logged(graphFailure(o, `${VERB[command]} devices`, PRIVILEGED), log, `${ACTION[command]} ${f.id}`);
        log?.warn(
          { backend: BACKEND, device: f.id, command, attempt, outcome: o.kind === 'response' ? `HTTP ${status(o)}` : o.kind },
          `intune: ${ACTION[command]} of ${f.id} not confirmed; reading its action history again in ${wait} ms before any second send`,
        );
        await sleep(wait);
        r = await reread(f);
        if (command === 'wipe' && status(o) !== 429 && r.ok && r.value && !alreadyUnderway(r.value.json, 'wipe')) {
          // A wipe whose answer was lost is not sent again even when the history does not show it yet:
          // Intune may record it late, and a wipe is never sent twice.
          const message = `Intune did not confirm the wipe of ${f.id} and does not show it queued yet; Sentinel sent nothing more. Ask again in a few minutes: Sentinel checks Intune's history first.`;
          return logged(fail(BACKEND, 'unavailable', message, o.kind === 'response' ? `HTTP ${status(o)}` : o.kind), log, `wipe ${f.id}`);
        }
      }
    },
  };
}
