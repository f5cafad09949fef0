import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { tickets } from '../../../db/schema';
import { ok, type Ticket, type TicketStatusCategory, type Tickets } from '../types';

type Row = typeof tickets.$inferSelect;

/** The embedded helpdesk's ticket keys: IT-1042. The planner reads a backend's pattern (Tickets.keyPattern). */
export const ticketKeyPattern = /^IT-(\d{1,9})$/i;
export const ticketId = (n: number) => `IT-${n}`;

const CATEGORY: Record<Row['status'], TicketStatusCategory> = { open: 'new', in_progress: 'in_progress', waiting: 'in_progress', resolved: 'done', closed: 'done' };

const toTicket = ({ number, executionKey: _key, ...rest }: Row): Ticket => ({ id: ticketId(number), ...rest, statusCategory: CATEGORY[rest.status] });

export function embeddedTickets(db: Db): Tickets {
  return {
    keyPattern: ticketKeyPattern,
    keyExample: 'IT-1042',
    async create({ thread: _thread, ...t }, key, now) {
      db.insert(tickets)
        .values({ ...t, status: 'open', executionKey: key, createdAt: now, updatedAt: now })
        .onConflictDoNothing()
        .run();
      return ok(toTicket(db.select().from(tickets).where(eq(tickets.executionKey, key)).get()!));
    },
    async listByRequester(userId, limit) {
      return ok(db.select().from(tickets).where(eq(tickets.requester, userId)).orderBy(desc(tickets.updatedAt), desc(tickets.number)).limit(limit).all().map(toTicket));
    },
    async get(id) {
      const m = ticketKeyPattern.exec(id.trim());
      if (!m) return ok(null);
      const row = db.select().from(tickets).where(eq(tickets.number, Number(m[1]))).get();
      return ok(row ? toTicket(row) : null);
    },
  };
}
