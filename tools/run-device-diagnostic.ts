import { z } from 'zod';
import { backendFailed, defineTool, str } from './contract';
import { deviceTarget } from './targets';
import type { Device } from './backends/types';

const HOUR = 3_600_000;

/** Plain-language findings from the MDM's facts; thresholds are what a helpdesk would flag. */
export function findings(d: Device, now: number): string[] {
  const out: string[] = [];
  const freePct = (d.diskFreeGb / d.diskTotalGb) * 100;
  if (freePct < 10) out.push(`Disk almost full: ${d.diskFreeGb} GB free of ${d.diskTotalGb} GB (${freePct.toFixed(0)}%).`);
  if (d.batteryHealthPct !== null && d.batteryHealthPct < 80) out.push(`Battery health is ${d.batteryHealthPct}%: consider a replacement.`);
  if (now - d.lastCheckinAt > 24 * HOUR) out.push(`Last MDM check-in was ${Math.round((now - d.lastCheckinAt) / HOUR)} h ago.`);
  if (!d.encrypted) out.push('Disk encryption is off.');
  if (d.firewall === false) out.push('Firewall is off.');
  if (d.status !== 'active') out.push(`Device is ${d.status}.`);
  return out;
}

export const runDeviceDiagnostic = defineTool({
  name: 'run_device_diagnostic',
  description:
    'Run a health check on a managed device: OS version, free disk, battery health, last MDM check-in, ' +
    'compliance and findings. Read-only.',
  input: z.object({
    device_id: z.string().trim().min(1).max(64).describe('Device id from the inventory, e.g. LAPTOP-ALICE-01'),
  }).strict(),
  risk: 'read',
  reversible: true,
  idempotent: true,
  target: (args, backends) => deviceTarget(backends, args.device_id),
  summary: (o) => {
    const findings = Array.isArray(o.findings) ? (o.findings as unknown[]).map(str).filter(Boolean) : [];
    const battery = typeof o.battery_health_pct === 'number' ? `, battery health ${o.battery_health_pct}%` : '';
    const compliance = o.compliant === true ? 'compliant' : o.compliant === false ? 'not compliant' : 'compliance unknown';
    const head = `${str(o.device_id)} (${str(o.model)}, ${str(o.os_version)}): ${str(o.disk_free_gb)} GB free of ${str(o.disk_total_gb)} GB${battery}, ${compliance}.`;
    return findings.length ? `${head} Findings: ${findings.join(' ')}` : `${head} No problems found.`;
  },
  examples: ['my laptop is slow', 'is my laptop ok', 'my computer keeps freezing', 'run a diagnostic on LAPTOP-ALICE-01'],
  describe: (a) => `run a diagnostic on ${a.device_id}`,
  async run(args, ctx) {
    const looked = await ctx.backends.mdm.get(args.device_id);
    if (!looked.ok) return backendFailed(looked.error);
    const d = looked.value;
    if (!d) return { ok: false, error: `Unknown device "${args.device_id}".` };
    const found = findings(d, ctx.now);
    return {
      ok: true,
      output: {
        device_id: d.id,
        model: d.model,
        os_version: d.osVersion,
        disk_free_gb: d.diskFreeGb,
        disk_total_gb: d.diskTotalGb,
        battery_health_pct: d.batteryHealthPct,
        last_checkin: new Date(d.lastCheckinAt).toISOString(),
        status: d.status,
        compliant: d.compliant,
        findings: found,
      },
    };
  },
});
