import { ok, type AccessLevel, type BackendResult } from '../types';
import type { OktaHttp } from './http';
import type { OktaGroup } from './users';

/** The group that grants `system` at `level`: OKTA_ACCESS_GROUP with its placeholders filled in. */
export const accessGroupName = (template: string, system: string, level: AccessLevel): string =>
  template.replaceAll('{system}', system.trim().toLowerCase()).replaceAll('{level}', level);

/** Reads a group name back into (system, level) when it follows the template; null otherwise. */
export function parseAccessGroup(template: string, name: string): { system: string; level: AccessLevel } | null {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = escape(template).replace(escape('{system}'), '(?<system>[a-z0-9._-]{1,64})').replace(escape('{level}'), '(?<level>read|write|admin)');
  const m = new RegExp(`^${pattern}$`).exec(name);
  return m?.groups ? { system: m.groups.system!, level: m.groups.level as AccessLevel } : null;
}

/** The literal text of the template before its first placeholder: the prefix to search groups by. */
export const templatePrefix = (template: string): string => template.split(/\{system\}|\{level\}/)[0] ?? '';

/**
 * A group by its exact name. `GET /api/v1/groups?q=` matches name prefixes (and does not page), so the
 * exact name is picked from what it returns; null when there is none.
 */
export async function groupByName(http: OktaHttp, name: string): Promise<BackendResult<OktaGroup | null>> {
  const r = await http.get<OktaGroup[]>(`/api/v1/groups?q=${encodeURIComponent(name)}&limit=200`);
  if (!r.ok) return r;
  return ok((r.value ?? []).find((g) => g.profile.name === name) ?? null);
}

/** Groups whose names start with `prefix`. */
export async function groupsByPrefix(http: OktaHttp, prefix: string): Promise<BackendResult<OktaGroup[]>> {
  const r = await http.get<OktaGroup[]>(`/api/v1/groups?q=${encodeURIComponent(prefix)}&limit=10000`);
  return r.ok ? ok(r.value ?? []) : r;
}
