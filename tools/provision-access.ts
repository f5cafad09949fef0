import { z } from 'zod';
import { defineTool } from './contract';
import { userTarget } from './targets';

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
  describe: (a) => `grant ${a.user} ${a.level} access to ${a.system} for ${a.duration_hours} h`,
  async run(args, ctx) {
    const user = await ctx.backends.directory.find(args.user);
    if (!user || !user.active) return { ok: false, error: `No active account "${args.user}" in the directory.` };
    if (!(await ctx.backends.access.hasSystem(args.system))) {
      const known = await ctx.backends.access.listSystems();
      return { ok: false, error: `Unknown system "${args.system}". Known systems: ${known.join(', ')}.` };
    }
    const grant = await ctx.backends.access.grant(
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
