import type { ExecutedAction } from '../types';

type Out = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

const TEMPLATES: Record<string, (o: Out) => string> = {
  reset_password: (o) => `I've sent a password reset link to ${str(o.sent_to)}. It expires in ${str(o.link_expires_in_minutes)} minutes.`,
  provision_access: (o) =>
    `${str(o.user)} now has ${str(o.level)} access to ${str(o.system)} until ${str(o.expires_at).replace('T', ' ').slice(0, 16)} UTC; it is revoked automatically after that.`,
  run_device_diagnostic: (o) => {
    const findings = Array.isArray(o.findings) ? (o.findings as unknown[]).map(str).filter(Boolean) : [];
    const head = `${str(o.device_id)} (${str(o.model)}, ${str(o.os_version)}): ${str(o.disk_free_gb)} GB free of ${str(o.disk_total_gb)} GB, battery health ${str(o.battery_health_pct)}%, ${o.compliant ? 'compliant' : 'not compliant'}.`;
    return findings.length ? `${head} Findings: ${findings.join(' ')}` : `${head} No problems found.`;
  },
  execute_remote_command: (o) => {
    const verb = { lock: 'locked', restart: 'restarted', wipe: 'wiped' }[str(o.command)] ?? str(o.command);
    return `${str(o.device_id)} has been ${verb} (status: ${str(o.device_status)}).`;
  },
  create_support_ticket: (o) => `I've opened ticket ${str(o.ticket_id)} (${str(o.priority)} priority): "${str(o.summary)}". IT will follow up in this ticket.`,
  check_ticket_status: (o) =>
    `${str(o.ticket_id)} "${str(o.summary)}" is ${str(o.status).replace('_', ' ')}${o.assignee ? `, assigned to ${str(o.assignee)}` : ', not assigned yet'} (last update ${str(o.updated_at).slice(0, 10)}).`,
};

/** Template summaries: what the offline provider says, and the fallback when an LLM summary fails. */
export function templateSummary(executed: ExecutedAction[]): string {
  return executed
    .filter((e) => !e.inDoubt)
    .map((e) => {
      if (!e.ok) return `I couldn't ${e.tool.replace(/_/g, ' ')}: ${str(e.output.error) || 'it failed'}`;
      const template = TEMPLATES[e.tool];
      return template ? template(e.output) : `${e.tool} finished.`;
    })
    .join('\n');
}
