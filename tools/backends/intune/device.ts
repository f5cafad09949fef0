import type { Device, RemoteCommand } from '../types';

// A managedDevice (Graph v1.0) as Sentinel's Device. Intune reports no battery health or firewall
// state in v1.0, so those are null; compliance is Intune's own verdict.

export interface ActionResult {
  actionName?: string;
  actionState?: string;
  startDateTime?: string;
  lastUpdatedDateTime?: string;
}

export interface ManagedDeviceJson {
  id?: string;
  deviceName?: string;
  userPrincipalName?: string;
  model?: string;
  manufacturer?: string;
  operatingSystem?: string;
  osVersion?: string;
  complianceState?: string;
  freeStorageSpaceInBytes?: number;
  totalStorageSpaceInBytes?: number;
  lastSyncDateTime?: string;
  isEncrypted?: boolean;
  deviceActionResults?: ActionResult[] | null;
}

/** Intune's action names for Sentinel's commands (the managedDevice actions of the same names). */
export const ACTION: Record<RemoteCommand, string> = { lock: 'remoteLock', restart: 'rebootNow', wipe: 'wipe' };

const GIB = 2 ** 30;
const gb = (bytes: number | undefined) => (typeof bytes === 'number' && bytes > 0 ? Math.round((bytes / GIB) * 10) / 10 : 0);

/** States in which Intune still has the action queued or carried it out. */
const LIVE = new Set(['pending', 'active']);

/** The latest record of `command` in the device's action history, if any. */
export function lastAction(d: ManagedDeviceJson, command: RemoteCommand): ActionResult | null {
  const name = ACTION[command].toLowerCase();
  const mine = (d.deviceActionResults ?? []).filter((a) => (a.actionName ?? '').toLowerCase() === name);
  mine.sort((a, b) => Date.parse(b.startDateTime ?? '') - Date.parse(a.startDateTime ?? ''));
  return mine[0] ?? null;
}

/**
 * Whether `command` is already on its way: queued or running — or, for a wipe, also done (a wiped
 * device is never wiped again). Sending it again would act twice.
 */
export function alreadyUnderway(d: ManagedDeviceJson, command: RemoteCommand): boolean {
  const last = lastAction(d, command);
  const state = (last?.actionState ?? '').toLowerCase();
  return LIVE.has(state) || (command === 'wipe' && state === 'done');
}

/**
 * Sentinel's view of the device's state from its action history: a wipe queued or done makes it
 * `wiped` (nothing else is sent to it); a lock queued or done, and no restart since, makes it `locked`
 * (a restart ends the lock screen).
 */
function status(d: ManagedDeviceJson): Device['status'] {
  if (alreadyUnderway(d, 'wipe')) return 'wiped';
  const took = (a: ActionResult | null): a is ActionResult => !!a && ['pending', 'active', 'done'].includes((a.actionState ?? '').toLowerCase());
  const lock = lastAction(d, 'lock');
  if (!took(lock)) return 'active';
  const reboot = lastAction(d, 'restart');
  return took(reboot) && Date.parse(reboot.startDateTime ?? '') > Date.parse(lock.startDateTime ?? '') ? 'active' : 'locked';
}

const COMPLIANT: Record<string, boolean | null> = {
  compliant: true,
  noncompliant: false,
  ingraceperiod: false,
  conflict: false,
  error: false,
  unknown: null,
  configmanager: null,
};

/** `id` is what Sentinel calls the device: its name, or Intune's id when the name cannot serve. */
export function toDevice(d: ManagedDeviceJson, id: string): Device {
  const model = [d.manufacturer, d.model].filter(Boolean).join(' ') || 'unknown model';
  return {
    id,
    owner: null,
    ownerEmail: d.userPrincipalName?.trim() || null,
    model,
    osVersion: [d.operatingSystem, d.osVersion].filter(Boolean).join(' ') || 'unknown',
    diskFreeGb: gb(d.freeStorageSpaceInBytes),
    diskTotalGb: gb(d.totalStorageSpaceInBytes),
    batteryHealthPct: null,
    lastCheckinAt: Date.parse(d.lastSyncDateTime ?? '') || 0,
    encrypted: d.isEncrypted === true,
    firewall: null,
    compliant: COMPLIANT[(d.complianceState ?? 'unknown').toLowerCase()] ?? null,
    status: status(d),
  };
}
