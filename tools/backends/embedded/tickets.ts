import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { tickets } from '../../../db/schema';
import type { Backends, Ticket } from '../types';

type Row = typeof tickets.$inferSelect;

export const ticketId = (n: number) => `IT-${n}`;
const toTicket = ({ number, executionKey: _key, ...rest }: Row): Ticket => ({ id: ticketId(number), ...rest });

export function embeddedTickets(db: Db): Backends['tickets'] {
  return {
    async create(t, key, now) {
      db.insert(tickets)
        .values({ ...t, status: 'open', executionKey: key, createdAt: now, updatedAt: now })
        .onConflictDoNothing()
        .run();
      return toTicket(db.select().from(tickets).where(eq(tickets.executionKey, key)).get()!);
    },
    async listByRequester(userId, limit) {
      return db.select().from(tickets).where(eq(tickets.requester, userId)).orderBy(desc(tickets.updatedAt), desc(tickets.number)).limit(limit).all().map(toTicket);
    },
    async get(id) {
      const m = /^IT-(\d{1,9})$/i.exec(id.trim());
      if (!m) return null;
      const row = db.select().from(tickets).where(eq(tickets.number, Number(m[1]))).get();
      return row ? toTicket(row) : null;
    },
  };
}
