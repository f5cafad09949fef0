import { z } from 'zod';
import { backendFailed, defineTool, str } from './contract';

export const createSupportTicket = defineTool({
  name: 'create_support_ticket',
  description:
    'Open a ticket with the IT team for the requester. Also the way to escalate to a human: the recent ' +
    'conversation is attached automatically.',
  input: z.object({
    summary: z.string().trim().min(1).max(200).describe('One-line summary'),
    description: z.string().trim().max(4000).describe('What happened, what was tried'),
    priority: z.enum(['low', 'medium', 'high', 'urgent']).describe('low, medium, high or urgent'),
  }).strict(),
  risk: 'write',
  reversible: true,
  idempotent: false,
  // A ticket is always opened for the requester, so it has nobody else's scope to check.
  async target() {
    return { kind: 'none' };
  },
  summary: (o) => `I've opened ticket ${str(o.ticket_id)} (${str(o.priority)} priority): "${str(o.summary)}". IT will follow up in this ticket.`,
  examples: ['open a ticket', 'the projector won\'t connect', 'my monitor is broken', 'I need to talk to a human'],
  needsTranscript: true,
  describe: (a) => `open a ${a.priority} ticket "${a.summary}"`,
  async run(args, ctx) {
    const description = ctx.transcript
      ? `${args.description}\n\n--- Conversation with Sentinel ---\n${ctx.transcript}`
      : args.description;
    const created = await ctx.backends.tickets.create(
      { requester: ctx.requester.id, summary: args.summary, description, priority: args.priority },
      ctx.executionKey,
      ctx.now,
    );
    if (!created.ok) return backendFailed(created.error);
    const t = created.value;
    return { ok: true, output: { ticket_id: t.id, status: t.status, priority: t.priority, summary: t.summary } };
  },
});
