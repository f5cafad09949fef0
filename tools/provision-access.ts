import { z } from 'zod';
import { backendFailed, defineTool, str } from './contract';
import { utcMinute } from './own-read-only';
import { userTarget } from './targets';

const LEVELS = ['read', 'write', 'admin'] as const;

export const provisionAccess = defineTool({
  name: 'provision_access',
  description:
    'Grant a user time-bound access to a system (e.g. github, vpn, aws-prod, salesforce). The grant expires ' +
    'automatically after duration_hours. Ask for the reason if the user did not give one.',
  input: z.object({
    user: z.string().trim().min(1).max(254).describe('Directory user id or email who gets access'),
    system: z.string().trim().min(1).max(64).describe('System id, e.g. github, vpn, aws-prod, salesforce'),
    level: z.enum(['read', 'write', 'admin']).describe('Access level'),
    duration_hours: z.number().int().min(1).max(720).describe('How long the access lasts, in hours'),
    reason: z.string().trim().min(1).max(500).describe('Business reason, shown to the approver'),
  }).strict(),
  risk: 'privileged',
  reversible: true,
  idempotent: false,
  target: (args, backends) => userTarget(backends, args.user),
  summary: (o) =>
    `${str(o.user)} now has ${str(o.level)} access to ${str(o.system)} until ${str(o.expires_at).replace('T', ' ').slice(0, 16)} UTC; it is revoked automatically after that.`,
  examples: ['I need access to github', 'need admin on aws-prod for a deploy', 'give intern write access to salesforce for 4 hours', 'can I get read access to the vpn for a day'],
  describe: (a) => `grant ${a.user} ${a.level} access to ${a.system} for ${a.duration_hours} h`,
  async alreadyDone(args, backends, requester, now) {
    const found = await backends.directory.find(args.user);
    const user = found.ok ? found.value : null;
    if (!user) return null;
    const grants = await backends.access.activeGrants(user.id, now);
    // Unknown means not done: the request goes on, and its run reports the backend's failure.
    const held = (grants.ok ? grants.value : []).find(
      (g) => g.system === args.system.toLowerCase() && LEVELS.indexOf(g.level) >= LEVELS.indexOf(args.level) && g.expiresAt >= now + args.duration_hours * 3_600_000,
    );
    if (!held) return null;
    const until = utcMinute(held.expiresAt);
    return `${user.id === requester.id ? 'You already have' : `${user.id} already has`} ${held.level} access to ${held.system} until ${until} UTC, so there is nothing to request.`;
  },
  async run(args, ctx) {
    const found = await ctx.backends.directory.find(args.user);
    if (!found.ok) return backendFailed(found.error);
    const user = found.value;
    if (!user || !user.active) return { ok: false, error: `No active account "${args.user}" in the directory.` };
    const has = await ctx.backends.access.hasSystem(args.system);
    if (!has.ok) return backendFailed(has.error);
    if (!has.value) {
      const known = await ctx.backends.access.listSystems();
      if (!known.ok) return backendFailed(known.error);
      return { ok: false, error: `Unknown system "${args.system}". Known systems: ${known.value.join(', ')}.` };
    }
    const granted = await ctx.backends.access.grant(
      {
        userId: user.id,
        system: args.system,
        level: args.level,
        reason: args.reason,
        grantedAt: ctx.now,
        expiresAt: ctx.now + args.duration_hours * 3_600_000,
      },
      ctx.executionKey,
    );
    if (!granted.ok) return backendFailed(granted.error);
    const grant = granted.value;
    return {
      ok: true,
      output: {
        grant_id: grant.id,
        user: grant.userId,
        system: grant.system,
        level: grant.level,
        expires_at: new Date(grant.expiresAt).toISOString(),
      },
    };
  },
});
