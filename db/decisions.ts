import { asc, eq } from 'drizzle-orm';
import type { Db } from './client';
import { decisions } from './schema';

export type DecisionRow = typeof decisions.$inferSelect;

export function decisionsForTurn(db: Db, turnKey: string): DecisionRow[] {
  return db.select().from(decisions).where(eq(decisions.turnKey, turnKey)).orderBy(asc(decisions.idx)).all();
}

export function insertDecisions(db: Db, rows: DecisionRow[]): void {
  if (rows.length) db.insert(decisions).values(rows).run();
}
