// OData `$filter` for managedDevices. An empty filter — or an empty value in one — makes Graph list
// every device in the tenant, so this refuses to build one: callers get null and must not call Graph.

export type DeviceProperty = 'userPrincipalName' | 'deviceName';

/** `prop eq 'value'` (a quote inside the value doubled, as OData wants), or null for a blank value. */
export function eqFilter(property: DeviceProperty, value: string | null | undefined): string | null {
  const v = (value ?? '').trim();
  if (!v || v.length > 256 || /[\u0000-\u001f]/.test(v)) return null;
  return `${property} eq '${v.replace(/'/g, "''")}'`;
}

/** The managedDevice fields Sentinel reads (diagnostics, ownership, action history), from a GET by id. */
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

/** What a list is asked for: enough to find devices. Their details come from a GET by id. */
const LIST_SELECT = 'id,deviceName,userPrincipalName';

export function listQuery(filter: string): string {
  if (!filter.trim()) throw new Error('refusing to list managed devices without a filter');
  return `?$filter=${encodeURIComponent(filter)}&$select=${LIST_SELECT}`;
}
