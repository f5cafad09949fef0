import { backendFailed, defineTool, str } from './contract';
import { ownReadOnly } from './own-read-only';

const MAX_LISTED = 20;

export const listMyTickets = defineTool({
  name: 'list_my_tickets',
  description: "List the support tickets the requester opened, most recently updated first, with status and assignee. Read-only.",
  ...ownReadOnly,
  describe: () => 'list your tickets',
  summary: (o) => {
    const tickets = (o.tickets as Array<Record<string, unknown>>) ?? [];
    if (!tickets.length) return "You don't have any tickets.";
    const line = (t: Record<string, unknown>) =>
      `• ${str(t.ticket_id)} "${str(t.summary)}": ${str(t.status).replace('_', ' ')}${t.assignee ? `, assigned to ${str(t.assignee)}` : ''}`;
    return `Your tickets:\n${tickets.map(line).join('\n')}`;
  },
  examples: ['my open tickets', 'what tickets do I have', 'show me my tickets', 'any of my tickets updated?'],
  async run(_args, ctx) {
    const found = await ctx.backends.tickets.listByRequester(ctx.requester.id, MAX_LISTED);
    if (!found.ok) return backendFailed(found.error);
    const tickets = found.value;
    return {
      ok: true,
      output: { tickets: tickets.map((t) => ({ ticket_id: t.id, summary: t.summary, status: t.status, priority: t.priority, assignee: t.assignee })) },
    };
  },
});
