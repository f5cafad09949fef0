import { z } from 'zod';
import { backendFailed, defineTool, str } from './contract';
import { ANY_TICKET_KEY } from './backends/types';
import { ticketTarget } from './targets';

export const checkTicketStatus = defineTool({
  name: 'check_ticket_status',
  description: 'Look up the status of a support ticket by its key (the ticket system\'s, e.g. IT-1042). Read-only.',
  input: z.object({
    // Any ticket system's key shape; whether it is one of the configured system's keys is the backend's answer.
    ticket_id: z.string().trim().regex(ANY_TICKET_KEY, 'a ticket key like IT-1042').describe('Ticket key, e.g. IT-1042'),
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
    const found = await ctx.backends.tickets.get(args.ticket_id);
    if (!found.ok) return backendFailed(found.error);
    const t = found.value;
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
