import { and, eq, or, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { prepared } from '../../../db/prepared';
import { directory, passwordResets } from '../../../db/schema';
import type { Backends, DirectoryUser } from '../types';

const byIdOrEmail = prepared((db) =>
  db
    .select()
    .from(directory)
    // Ids are lowercase by the directory schema; emails match whatever their case (an indexed expression).
    .where(or(eq(directory.id, sql.placeholder('needle')), eq(sql`lower(${directory.email})`, sql.placeholder('needle'))))
    .prepare(),
);

export function embeddedDirectory(db: Db): Backends['directory'] {
  const find = (idOrEmail: string): DirectoryUser | null => byIdOrEmail(db).get({ needle: idOrEmail.trim().toLowerCase() }) ?? null;
  return {
    async find(idOrEmail) {
      return find(idOrEmail);
    },
    async admins() {
      return db.select().from(directory).where(and(eq(directory.role, 'admin'), eq(directory.active, true))).all();
    },
    async sendPasswordReset(userId, key, now) {
      const user = find(userId);
      if (!user || !user.active) throw new Error(`no active directory user ${userId}`);
      // Same key, same reset: a retried call does not send a second link.
      db.insert(passwordResets)
        .values({ userId: user.id, sentTo: user.email, executionKey: key, createdAt: now })
        .onConflictDoNothing()
        .run();
      const sent = db.select().from(passwordResets).where(eq(passwordResets.executionKey, key)).get();
      return { sentTo: sent!.sentTo };
    },
  };
}
