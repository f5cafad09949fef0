import { z } from 'zod';
import { threadOf } from '../apps/slack/conversation-key';
import type { TicketThread } from './backends/types';
import { backendFailed, defineTool, str, type SlackWorkspace } from './contract';

/**
 * Where a conversation is, for the human who picks the ticket up. A Slack thread: its permalink
 * (`https://<workspace>.slack.com/archives/<channel>/p<ts without the dot>`) when the workspace's URL is
 * known, else its channel and thread in words; any other conversation (the CLI): its thread name.
 */
export function conversationThread(conversationId: string, workspace?: SlackWorkspace | null): TicketThread {
  const slack = threadOf(conversationId);
  if (!slack) return { text: `Sentinel CLI thread "${conversationId}"` };
  const seconds = Number(slack.threadTs);
  const started = Number.isFinite(seconds) && seconds > 0 ? `, started ${new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')}` : '';
  const text = `the Slack thread in channel ${slack.channel} of workspace ${slack.team}${started} (thread ts ${slack.threadTs})`;
  // The URL is of the workspace Sentinel is installed in: a thread of another team (a shared channel's) gets words.
  const base = workspace?.team === slack.team ? workspace.url.trim().replace(/\/+$/, '') : undefined;
  if (!base || !/^https:\/\/[a-z0-9-]+(\.enterprise)?\.slack\.com$/i.test(base) || !/^\d+\.\d+$/.test(slack.threadTs)) return { text };
  return { text: 'the Slack thread', url: `${base}/archives/${encodeURIComponent(slack.channel)}/p${slack.threadTs.replace('.', '')}` };
}

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
      {
        requester: ctx.requester.id,
        summary: args.summary,
        description,
        priority: args.priority,
        ...(ctx.conversationId ? { thread: conversationThread(ctx.conversationId, ctx.slackWorkspace) } : {}),
      },
      ctx.executionKey,
      ctx.now,
    );
    if (!created.ok) return backendFailed(created.error);
    const t = created.value;
    return { ok: true, output: { ticket_id: t.id, status: t.status, priority: t.priority, summary: t.summary } };
  },
});
