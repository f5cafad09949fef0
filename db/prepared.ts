import type { Db } from './client';

/**
 * A drizzle query built and prepared once per database, then run with placeholders. Building the SQL
 * for every call was half of a turn's CPU; a prepared query only binds its values.
 */
export function prepared<Q>(build: (db: Db) => Q): (db: Db) => Q {
  const byDb = new WeakMap<Db, Q>();
  return (db) => {
    let q = byDb.get(db);
    if (!q) {
      q = build(db);
      byDb.set(db, q);
    }
    return q;
  };
}
