import fs from 'node:fs';
import { z } from 'zod';
import { ROLES } from '../../../policies/types';

/** The shape of a directory file (`SENTINEL_DIRECTORY`), and of the built-in demo data. */
export const DirectoryFileSchema = z.object({
  users: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9._-]{1,64}$/, 'lowercase letters, digits, . _ -'),
        email: z.string().email(),
        name: z.string().min(1).max(120),
        role: z.enum(ROLES),
        active: z.boolean().default(true),
        /** Directory groups (for policy `approvers: { group: … }`). */
        groups: z.array(z.string().trim().min(1).max(200)).max(100).default([]),
      }),
    )
    .min(1),
  devices: z
    .array(
      z.object({
        id: z.string().regex(/^[A-Z0-9-]{3,64}$/, 'uppercase letters, digits and dashes'),
        owner: z.string(),
        model: z.string().default('Laptop'),
        osVersion: z.string().default('unknown'),
        diskFreeGb: z.number().int().min(0).default(100),
        diskTotalGb: z.number().int().positive().default(512),
        batteryHealthPct: z.number().int().min(0).max(100).default(100),
        /** Hours since the device last checked in with the MDM. */
        lastCheckinHoursAgo: z.number().min(0).default(1),
        encrypted: z.boolean().default(true),
        firewall: z.boolean().default(true),
      }),
    )
    .default([]),
  systems: z.array(z.object({ id: z.string().regex(/^[a-z0-9._-]{1,64}$/), description: z.string().default('') })).default([]),
  tickets: z
    .array(
      z.object({
        number: z.number().int().positive(),
        requester: z.string(),
        summary: z.string().min(1),
        description: z.string().default(''),
        priority: z.enum(['low', 'medium', 'high', 'urgent']).default('medium'),
        status: z.enum(['open', 'in_progress', 'waiting', 'resolved', 'closed']).default('open'),
        assignee: z.string().nullable().default(null),
      }),
    )
    .default([]),
});

export type DirectoryFile = z.infer<typeof DirectoryFileSchema>;

export type DirectoryFileResult = { ok: true; data: DirectoryFile } | { ok: false; problem: string };

/** Reads and checks a directory file; the problem, when there is one, names the file and what is wrong. */
export function loadDirectoryFile(file: string): DirectoryFileResult {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return { ok: false, problem: `cannot read ${file}: ${(err as Error).message}` };
  }
  const parsed = DirectoryFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(the whole file)'}: ${i.message}`).join('\n');
    return { ok: false, problem: `${file} is not a valid directory file:\n${issues}` };
  }
  const { users, devices, systems } = parsed.data;
  // Ids and emails are keys in the database: a duplicate would fail halfway through a sync.
  const duplicate =
    firstDuplicate(users.map((u) => u.id), 'user id') ??
    // Emails are looked up ignoring case, so two that differ only in case would be ambiguous.
    firstDuplicate(users.map((u) => u.email.toLowerCase()), 'email') ??
    firstDuplicate(devices.map((d) => d.id), 'device id') ??
    firstDuplicate(systems.map((s) => s.id), 'system id');
  if (duplicate) return { ok: false, problem: `${file}: ${duplicate}` };
  const ids = new Set(users.map((u) => u.id));
  for (const d of devices) {
    if (!ids.has(d.owner)) return { ok: false, problem: `${file}: device ${d.id} has unknown owner ${d.owner}` };
  }
  return { ok: true, data: parsed.data };
}

function firstDuplicate(values: string[], what: string): string | null {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) return `${what} ${v} appears more than once`;
    seen.add(v);
  }
  return null;
}
