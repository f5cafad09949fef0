import { and, eq, gt, isNull, lte, ne } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { grants } from '../../../db/schema';
import { fail, ok, type Access, type BackendResult, type Grant } from '../types';
import { accessGroupName, groupByName, groupsByPrefix, parseAccessGroup, templatePrefix } from './groups';
import type { OktaHttp } from './http';
import type { OktaGroup } from './users';

export interface OktaAccessOptions {
  /** OKTA_ACCESS_GROUP: the group granting a system at a level, e.g. sentinel-{system}-{level}. */
  accessGroup: string;
}

type Row = typeof grants.$inferSelect;
const toGrant = ({ executionKey: _key, ...g }: Row): Grant => g;

/**
 * Time-bound access as Okta group membership: a grant is `PUT /api/v1/groups/{gid}/users/{uid}` on the
 * group OKTA_ACCESS_GROUP names for the system and level; revocation is `DELETE` on the same. Okta group
 * membership has no expiry, so the schedule is Sentinel's: every grant is a row in its SQLite `grants`
 * table, written *before* the PUT (a crash between the two leaves a row whose revocation finds nothing to
 * remove, never a membership nobody will revoke).
 */
export function oktaAccess(http: OktaHttp, db: Db, opts: OktaAccessOptions): Access {
  const group = async (system: string, level: Grant['level']): Promise<BackendResult<OktaGroup>> => {
    const name = accessGroupName(opts.accessGroup, system, level);
    const g = await groupByName(http, name);
    if (!g.ok) return g;
    if (!g.value) return fail('okta', 'not_found', `Okta has no group "${name}" for ${level} access to ${system}: ask IT to create it (OKTA_ACCESS_GROUP).`);
    // Imported groups (Active Directory, apps) change only at their source.
    if (g.value.type !== 'OKTA_GROUP') return fail('okta', 'conflict', `Okta group "${name}" is managed by another directory, so Sentinel cannot add people to it: ask IT.`);
    return ok(g.value);
  };

  const systems = async (): Promise<BackendResult<string[]>> => {
    const prefix = templatePrefix(opts.accessGroup);
    const r = prefix ? await groupsByPrefix(http, prefix) : await http.getAll<OktaGroup>('/api/v1/groups?limit=200');
    if (!r.ok) return r;
    const found = new Set<string>();
    for (const g of r.value) {
      const parsed = g.type === 'OKTA_GROUP' ? parseAccessGroup(opts.accessGroup, g.profile.name) : null;
      if (parsed) found.add(parsed.system);
    }
    return ok([...found].sort());
  };

  /**
   * Ends one grant: DELETE the membership unless another grant still in force holds the same group, then
   * mark the row revoked. The grant as revoked, or null when another process marked it first.
   */
  const revokeRow = async (row: Row, now: number, groups: Map<string, BackendResult<OktaGroup>>): Promise<BackendResult<Grant | null>> => {
    // Another grant still in force for the same group keeps the membership: only the row ends.
    const stillHeld = db
      .select({ id: grants.id })
      .from(grants)
      .where(and(eq(grants.userId, row.userId), eq(grants.system, row.system), eq(grants.level, row.level), isNull(grants.revokedAt), gt(grants.expiresAt, now), ne(grants.id, row.id)))
      .get();
    if (!stillHeld) {
      const key = `${row.system}\u0000${row.level}`;
      if (!groups.has(key)) groups.set(key, await group(row.system, row.level));
      const target = groups.get(key)!;
      // A group that no longer exists holds nobody: the grant has ended.
      if (!target.ok && target.error.code !== 'not_found') return target;
      if (target.ok) {
        const del = await http.request('DELETE', `/api/v1/groups/${encodeURIComponent(target.value.id)}/users/${encodeURIComponent(row.userId)}`);
        // 404: already not a member (removed by hand, or the PUT never happened): revoked all the same.
        if (!del.ok && del.error.code !== 'not_found') return del;
      }
    }
    const done = db.update(grants).set({ revokedAt: now }).where(and(eq(grants.id, row.id), isNull(grants.revokedAt))).returning().get();
    return ok(done ? toGrant(done) : null);
  };

  return {
    async hasSystem(system) {
      const r = await systems();
      return r.ok ? ok(r.value.includes(system.trim().toLowerCase())) : r;
    },
    listSystems: systems,
    async grant(g, key) {
      const system = g.system.trim().toLowerCase();
      const target = await group(system, g.level);
      if (!target.ok) return target;
      // The schedule first, then the membership (PUT is idempotent: a retry with the same key repeats it harmlessly).
      const inserted = db.insert(grants).values({ ...g, system, executionKey: key }).onConflictDoNothing().run();
      const row = db.select().from(grants).where(eq(grants.executionKey, key)).get()!;
      const put = await http.request('PUT', `/api/v1/groups/${encodeURIComponent(target.value.id)}/users/${encodeURIComponent(g.userId)}`, {
        notFound: `Okta has no user ${g.userId} or no group ${target.value.profile.name}.`,
      });
      if (!put.ok) {
        // Not granted: nothing to revoke later (unless an earlier attempt with this key did grant it).
        if (inserted.changes === 1) db.delete(grants).where(eq(grants.id, row.id)).run();
        return put;
      }
      return ok(toGrant(row));
    },
    async activeGrants(userId, now) {
      const rows = db
        .select()
        .from(grants)
        .where(and(eq(grants.userId, userId), isNull(grants.revokedAt), gt(grants.expiresAt, now)))
        .orderBy(grants.expiresAt)
        .all();
      return ok(rows.map(toGrant));
    },
    async revokeExpired(now) {
      const due = db.select().from(grants).where(and(isNull(grants.revokedAt), lte(grants.expiresAt, now))).orderBy(grants.expiresAt).all();
      const revoked: Grant[] = [];
      let failed = 0;
      let lastError: BackendResult<never> | null = null;
      const groups = new Map<string, BackendResult<OktaGroup>>();
      for (const row of due) {
        const r = await revokeRow(row, now, groups);
        if (!r.ok) {
          failed += 1;
          lastError = r;
          continue;
        }
        if (r.value) revoked.push(r.value);
      }
      // Nothing could be revoked at all: say why (the sweep logs it and tries again next time).
      if (failed && !revoked.length && lastError) return lastError;
      return ok({ revoked, failed });
    },
    async revoke(grantId, now) {
      const row = db.select().from(grants).where(eq(grants.id, grantId)).get();
      if (!row) return ok(null);
      if (row.revokedAt !== null) return ok(toGrant(row));
      const r = await revokeRow(row, now, new Map());
      if (!r.ok) return r;
      return ok(r.value ?? toGrant(db.select().from(grants).where(eq(grants.id, grantId)).get()!));
    },
  };
}
