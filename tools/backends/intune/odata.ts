// OData `$filter` for managedDevices. An empty filter — or an empty value in one — makes Graph list
// every device in the tenant, so this refuses to build one: callers get null and must not call Graph.

export type DeviceProperty = 'userPrincipalName' | 'deviceName';

/** `prop eq 'value'` (a quote inside the value doubled, as OData wants), or null for a blank value. */
export function eqFilter(property: DeviceProperty, value: string | null | undefined): string | null {
  const v = (value ?? '').trim();
  if (!v || v.length > 256 || /[\u0000-\u001f]/.test(v)) return null;
  return `${property} eq '${v.replace(/'/g, "''")}'`;
}

/** The managedDevices fields Sentinel reads (diagnostics, ownership, action history). */
export const DEVICE_SELECT = [
  'id',
  'deviceName',
  'userPrincipalName',
  'model',
  'manufacturer',
  'operatingSystem',
  'osVersion',
  'complianceState',
  'freeStorageSpaceInBytes',
  'totalStorageSpaceInBytes',
  'lastSyncDateTime',
  'isEncrypted',
  'deviceActionResults',
].join(',');

export function listQuery(filter: string): string {
  if (!filter.trim()) throw new Error('refusing to list managed devices without a filter');
  return `?$filter=${encodeURIComponent(filter)}&$select=${DEVICE_SELECT}`;
}
