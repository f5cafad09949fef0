import { z } from 'zod';
import { defineTool, str } from './contract';
import { ticketTarget } from './targets';

export const checkTicketStatus = defineTool({
  name: 'check_ticket_status',
  description: 'Look up the status of a support ticket by its id, e.g. IT-1042. Read-only.',
  input: z.object({
    ticket_id: z.string().trim().regex(/^IT-\d{1,9}$/i, 'a ticket id like IT-1042').describe('Ticket id, e.g. IT-1042'),
  }).strict(),
  risk: 'read',
  reversible: true,
  idempotent: true,
  target: (args, backends) => ticketTarget(backends, args.ticket_id),
  summary: (o) =>
    `${str(o.ticket_id)} "${str(o.summary)}" is ${str(o.status).replace('_', ' ')}${o.assignee ? `, assigned to ${str(o.assignee)}` : ', not assigned yet'} (last update ${str(o.updated_at).slice(0, 10)}).`,
  examples: ['status of IT-1042', 'any update on IT-1041?', 'what is happening with ticket 1042'],
  describe: (a) => `check ticket ${a.ticket_id}`,
  async run(args, ctx) {
    const t = await ctx.backends.tickets.get(args.ticket_id);
    if (!t) return { ok: false, error: `No ticket ${args.ticket_id}.` };
    return {
      ok: true,
      output: {
        ticket_id: t.id,
        summary: t.summary,
        status: t.status,
        priority: t.priority,
        assignee: t.assignee,
        updated_at: new Date(t.updatedAt).toISOString(),
      },
    };
  },
});
