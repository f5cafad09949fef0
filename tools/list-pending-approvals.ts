import { defineTool, str } from './contract';
import { ownReadOnly, utcMinute } from './own-read-only';

export const listPendingApprovals = defineTool({
  name: 'list_pending_approvals',
  description: 'For an IT admin: the requests waiting for their decision (others\u2019 requests and their own confirmations), with ids. Read-only.',
  ...ownReadOnly,
  describe: () => 'list the requests waiting for you',
  summary: (o) => {
    const waiting = (o.waiting as Array<Record<string, unknown>>) ?? [];
    if (!waiting.length) return 'Nothing is waiting for your approval.';
    const line = (w: Record<string, unknown>) => `• ${str(w.id)}: ${str(w.what)} for ${str(w.requester)} (expires ${utcMinute(w.expires_at)} UTC)`;
    return `Waiting for you (approve or deny on the card, or \`--approve <id>\` in the CLI):\n${waiting.map(line).join('\n')}`;
  },
  examples: ['what approvals are waiting for me?', 'anything to approve?', 'show pending approvals', 'what is in my queue'],
  async run(_args, ctx) {
    const waiting = ctx.requests.waitingFor(ctx.requester);
    return { ok: true, output: { waiting: waiting.map((w) => ({ id: w.id, what: w.what, requester: w.requester, expires_at: w.expiresAt })) } };
  },
});
