import type { Role } from '../../../policies/types';
import type { DirectoryUser } from '../types';

/** The part of an Okta User (`components.schemas.User`) Sentinel reads. */
export interface OktaUser {
  id: string;
  status: string;
  profile: { login: string; email: string; firstName?: string | null; lastName?: string | null; displayName?: string | null };
}

/** The part of an Okta Group Sentinel reads. */
export interface OktaGroup {
  id: string;
  type: string;
  profile: { name: string; description?: string | null };
}

/** Okta user ids: 20 characters, letters and digits, starting 00u. */
export const OKTA_USER_ID = /^00u[A-Za-z0-9]{17}$/;

export const displayName = (u: OktaUser): string =>
  u.profile.displayName?.trim() || [u.profile.firstName, u.profile.lastName].filter(Boolean).join(' ').trim() || u.profile.login;

/**
 * An Okta user as Sentinel's directory user: only ACTIVE people have rights; members of the admin
 * group are admins, everyone else ACTIVE an employee. Anyone not ACTIVE (staged, suspended, locked out,
 * in recovery, deprovisioned…) is inactive with no rights.
 */
export function toDirectoryUser(u: OktaUser, isAdmin: boolean): DirectoryUser {
  const active = u.status === 'ACTIVE';
  const role: Role = !active ? 'guest' : isAdmin ? 'admin' : 'employee';
  return { id: u.id, email: u.profile.email, name: displayName(u), role, active };
}

/** A value inside an Okta search expression's double quotes. */
export const quoted = (v: string): string => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
