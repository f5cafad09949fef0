import { z } from 'zod';
import { backendFailed, defineTool, str } from './contract';
import { deviceTarget } from './targets';

export const executeRemoteCommand = defineTool({
  name: 'execute_remote_command',
  description:
    'Send an MDM command to a managed device: lock (screen lock, reversible), restart, or wipe ' +
    '(erases the device; irreversible, always needs a human confirmation).',
  input: z.object({
    device_id: z.string().trim().min(1).max(64).describe('Device id from the inventory'),
    command: z.enum(['lock', 'restart', 'wipe']).describe('lock, restart or wipe'),
  }).strict(),
  risk: 'destructive',
  // Only wipe is irreversible; policy looks at the command, this flag describes the worst case.
  reversible: false,
  idempotent: false,
  target: (args, backends) => deviceTarget(backends, args.device_id),
  summary: (o) => {
    // A queued command (an MDM that answers "accepted") is requested, not done: say so.
    if (o.state === 'requested') return `I've asked the MDM to ${str(o.command)} ${str(o.device_id)}; it happens when the device next checks in.`;
    const verb = { lock: 'locked', restart: 'restarted', wipe: 'wiped' }[str(o.command)] ?? str(o.command);
    return `${str(o.device_id)} has been ${verb} (status: ${str(o.device_status)}).`;
  },
  examples: ['lock my laptop', 'restart my laptop', 'wipe my stolen laptop', "lock alice's laptop, she lost it at the airport"],
  describe: (a) => `${a.command} ${a.device_id}`,
  async run(args, ctx) {
    const found = await ctx.backends.mdm.get(args.device_id);
    if (!found.ok) return backendFailed(found.error);
    const device = found.value;
    if (!device) return { ok: false, error: `Unknown device "${args.device_id}".` };
    if (device.status === 'wiped' && args.command !== 'wipe') {
      return { ok: false, error: `${device.id} has been wiped and no longer accepts commands.` };
    }
    const sent = await ctx.backends.mdm.command(device.id, args.command, ctx.requester.id, ctx.executionKey, ctx.now);
    if (!sent.ok) return backendFailed(sent.error);
    const { state, device: after } = sent.value;
    return { ok: true, output: { device_id: device.id, command: args.command, state, device_status: after?.status ?? null } };
  },
});
