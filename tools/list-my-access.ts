import { backendFailed, defineTool, str } from './contract';
import { ownReadOnly, utcMinute } from './own-read-only';

export const listMyAccess = defineTool({
  name: 'list_my_access',
  description: "List the requester's own access: grants in force (system, level, expiry) and access requests still waiting for approval. Read-only.",
  ...ownReadOnly,
  describe: () => 'list your access',
  summary: (o) => {
    const grants = (o.grants as Array<Record<string, unknown>>) ?? [];
    const pending = (o.pending_requests as Array<Record<string, unknown>>) ?? [];
    const lines = grants.map((g) => `• ${str(g.system)}: ${str(g.level)} until ${utcMinute(g.expires_at)} UTC`);
    const waiting = pending.map((p) => `• ${str(p.what)} (request ${str(p.id)}, waiting for approval)`);
    if (!lines.length && !waiting.length) return 'You have no time-bound access right now and no access requests waiting.';
    return [lines.length ? `Your access:\n${lines.join('\n')}` : 'You have no time-bound access right now.', waiting.length ? `Waiting for approval:\n${waiting.join('\n')}` : ''].filter(Boolean).join('\n');
  },
  examples: ['what access do I have?', 'which systems can I get into', 'show my permissions', 'do I still have github access?'],
  async run(_args, ctx) {
    const found = await ctx.backends.access.activeGrants(ctx.requester.id, ctx.now);
    if (!found.ok) return backendFailed(found.error);
    const grants = found.value;
    const pending = ctx.requests.pendingOf(ctx.requester.id).filter((r) => r.tool === 'provision_access');
    return {
      ok: true,
      output: {
        grants: grants.map((g) => ({ system: g.system, level: g.level, expires_at: g.expiresAt })),
        pending_requests: pending.map((p) => ({ id: p.id, what: p.what, expires_at: p.expiresAt })),
      },
    };
  },
});
