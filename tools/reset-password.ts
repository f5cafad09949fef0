import { z } from 'zod';
import { backendFailed, defineTool, str } from './contract';
import { userTarget } from './targets';

export const resetPassword = defineTool({
  name: 'reset_password',
  description:
    "Send a password reset link to a user's registered email address. Never reveals or sets a password. " +
    'Use the requester\'s own user id for "my password".',
  input: z.object({
    user: z.string().trim().min(1).max(254).describe('Directory user id or email of the account to reset'),
  }).strict(),
  risk: 'write',
  reversible: true,
  idempotent: false,
  target: (args, backends) => userTarget(backends, args.user),
  summary: (o) => `I've sent a password reset link to ${str(o.sent_to)}. Open it from that mailbox soon: reset links expire.`,
  examples: ['reset my password', 'I forgot my password', "I'm locked out of my account", "reset alice's password", 'pls reset pw'],
  describe: (args) => `send a password reset link to ${args.user}`,
  async run(args, ctx) {
    const found = await ctx.backends.directory.find(args.user);
    if (!found.ok) return backendFailed(found.error);
    const user = found.value;
    if (!user || !user.active) return { ok: false, error: `No active account "${args.user}" in the directory.` };
    const sent = await ctx.backends.directory.sendPasswordReset(user.id, ctx.executionKey, ctx.now);
    if (!sent.ok) return backendFailed(sent.error);
    // The link itself never reaches Sentinel: the directory emails it to the user.
    return { ok: true, output: { user: user.id, sent_to: sent.value.sentTo } };
  },
});
