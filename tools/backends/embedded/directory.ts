import { and, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { prepared } from '../../../db/prepared';
import { directory, passwordResets } from '../../../db/schema';
import { canonicalEmail } from '../../../policies/email';
import { fail, ok, type Directory, type DirectoryUser } from '../types';

const byIdOrEmail = prepared((db) =>
  db
    .select()
    .from(directory)
    // Ids are lowercase by the directory schema; emails match whatever their case (an indexed expression).
    .where(or(eq(directory.id, sql.placeholder('needle')), eq(sql`lower(${directory.email})`, sql.placeholder('needle'))))
    .limit(1)
    .prepare(),
);

// A display name ("Ivy Intern") names someone only when exactly one active person has it.
const byName = prepared((db) =>
  db.select().from(directory).where(and(eq(sql`lower(${directory.name})`, sql.placeholder('needle')), eq(directory.active, true))).limit(2).prepare(),
);

// A first name ("Ivy") likewise, when no display name is exactly it: compared as a prefix without LIKE's wildcards.
const byFirstName = prepared((db) =>
  db
    .select()
    .from(directory)
    .where(and(eq(sql`substr(lower(${directory.name}), 1, length(${sql.placeholder('needle')}) + 1)`, sql`${sql.placeholder('needle')} || ' '`), eq(directory.active, true)))
    .limit(2)
    .prepare(),
);

const insertReset = prepared((db) =>
  db
    .insert(passwordResets)
    .values({ userId: sql.placeholder('userId'), sentTo: sql.placeholder('sentTo'), executionKey: sql.placeholder('key'), createdAt: sql.placeholder('now') })
    .onConflictDoNothing()
    .prepare(),
);
const resetByKey = prepared((db) => db.select().from(passwordResets).where(eq(passwordResets.executionKey, sql.placeholder('key'))).prepare());

export function embeddedDirectory(db: Db): Directory {
  const find = (idOrEmail: string): DirectoryUser | null => {
    // SQLite's lower() folds ASCII only, like canonicalEmail: a look-alike character never matches.
    const needle = idOrEmail.includes('@') ? canonicalEmail(idOrEmail) : idOrEmail.trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (needle === null) return null;
    const hit = byIdOrEmail(db).get({ needle });
    if (hit || idOrEmail.includes('@')) return hit ? toUser(hit) : null;
    const name = idOrEmail.trim().toLowerCase().replace(/\s+/g, ' ');
    const named = byName(db).all({ needle: name });
    if (named.length || name.includes(' ')) return named.length === 1 ? toUser(named[0]!) : null;
    const first = byFirstName(db).all({ needle: name });
    return first.length === 1 ? toUser(first[0]!) : null;
  };
  return {
    async find(idOrEmail) {
      return ok(find(idOrEmail));
    },
    async listUsers(limit) {
      return ok(db.select().from(directory).where(eq(directory.active, true)).orderBy(directory.id).limit(limit).all().map(toUser));
    },
    async admins() {
      return ok(db.select().from(directory).where(and(eq(directory.role, 'admin'), eq(directory.active, true))).all().map(toUser));
    },
    async groupMembers(group) {
      const rows = db.all<{ id: string; active: number }>(
        sql`SELECT d.id, d.active FROM ${directory} d WHERE EXISTS (SELECT 1 FROM json_each(d.groups) g WHERE g.value = ${group}) ORDER BY d.id`,
      );
      return ok(rows.length ? rows.filter((r) => r.active).map((r) => r.id) : null);
    },
    async sendPasswordReset(userId, key, now) {
      const user = find(userId);
      if (!user || !user.active) return fail('embedded', 'not_found', `There is no active account "${userId}" in the directory.`);
      // Same key, same reset: a retried call does not send a second link.
      insertReset(db).run({ userId: user.id, sentTo: user.email, key, now });
      const sent = resetByKey(db).get({ key });
      return ok({ sentTo: sent!.sentTo });
    },
  };
}

/** The directory row as the contract's user (its groups are the embedded directory's own business). */
function toUser(row: typeof directory.$inferSelect): DirectoryUser {
  return { id: row.id, email: row.email, name: row.name, role: row.role, active: row.active };
}
