import type { Role } from '../../policies/types';

export interface DirectoryUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
}

export interface Device {
  id: string;
  owner: string;
  model: string;
  osVersion: string;
  diskFreeGb: number;
  diskTotalGb: number;
  batteryHealthPct: number;
  lastCheckinAt: number;
  encrypted: boolean;
  firewall: boolean;
  status: 'active' | 'locked' | 'wiped';
}

export type RemoteCommand = 'lock' | 'restart' | 'wipe';
export type AccessLevel = 'read' | 'write' | 'admin';
export type Priority = 'low' | 'medium' | 'high' | 'urgent';

export interface Grant {
  id: number;
  userId: string;
  system: string;
  level: AccessLevel;
  reason: string;
  grantedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface Ticket {
  id: string;
  requester: string;
  summary: string;
  description: string;
  priority: Priority;
  status: 'open' | 'in_progress' | 'waiting' | 'resolved' | 'closed';
  assignee: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * The systems Sentinel acts on. Every mutating call takes the execution's idempotency key: a backend
 * that sees the same key twice returns the first result instead of acting again.
 */
export interface Backends {
  directory: {
    /** By id, by email (exact, ASCII case-insensitive), or by display name when exactly one active person has it. */
    find(idOrEmail: string): Promise<DirectoryUser | null>;
    /** Active admins: who approval requests go to when no approvers' channel is set. */
    admins(): Promise<DirectoryUser[]>;
    /** Active members' ids of a directory group (policy `approvers: { group }`); null when no one is in such a group. */
    groupMembers(group: string): Promise<string[] | null>;
    sendPasswordReset(userId: string, key: string, now: number): Promise<{ sentTo: string }>;
  };
  mdm: {
    get(deviceId: string): Promise<Device | null>;
    listByOwner(userId: string): Promise<Device[]>;
    command(deviceId: string, command: RemoteCommand, requestedBy: string, key: string, now: number): Promise<Device>;
  };
  access: {
    hasSystem(system: string): Promise<boolean>;
    listSystems(): Promise<string[]>;
    grant(g: Omit<Grant, 'id' | 'revokedAt'>, key: string): Promise<Grant>;
    /** A user's grants that are in force at `now` (not revoked, not expired), soonest expiry first. */
    activeGrants(userId: string, now: number): Promise<Grant[]>;
    /** Revokes every grant whose expiry has passed; returns what it revoked. */
    revokeExpired(now: number): Promise<Grant[]>;
  };
  tickets: {
    create(t: Pick<Ticket, 'requester' | 'summary' | 'description' | 'priority'>, key: string, now: number): Promise<Ticket>;
    get(ticketId: string): Promise<Ticket | null>;
    /** Tickets a user opened, most recently updated first (at most `limit`). */
    listByRequester(userId: string, limit: number): Promise<Ticket[]>;
  };
}
