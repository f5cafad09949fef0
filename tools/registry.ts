import { zodToJsonSchema } from 'zod-to-json-schema';
import type { Tool } from './contract';
import { checkTicketStatus } from './check-ticket-status';
import { createSupportTicket } from './create-support-ticket';
import { executeRemoteCommand } from './execute-remote-command';
import { listMyAccess } from './list-my-access';
import { listMyTickets } from './list-my-tickets';
import { listPendingApprovals } from './list-pending-approvals';
import { provisionAccess } from './provision-access';
import { resetPassword } from './reset-password';
import { runDeviceDiagnostic } from './run-device-diagnostic';

/** Every tool Sentinel has. Adding one: write its file, list it here, give it rules in policies/default.yaml (or your SENTINEL_POLICY file). */
export const tools: readonly Tool[] = [
  resetPassword,
  provisionAccess,
  runDeviceDiagnostic,
  executeRemoteCommand,
  createSupportTicket,
  checkTicketStatus,
  listMyAccess,
  listMyTickets,
  listPendingApprovals,
];

const byName = new Map(tools.map((t) => [t.name, t]));

/** Own-property lookup only: a proposed name like "__proto__" or "constructor" finds nothing. */
export function findTool(name: string): Tool | undefined {
  return byName.get(name);
}

/** One line for humans about a proposed call, or null when the tool or its arguments are not valid. */
export function describeCall(name: string, args: unknown): string | null {
  const tool = findTool(name);
  const parsed = tool?.input.safeParse(args);
  return tool && parsed?.success ? tool.describe(parsed.data) : null;
}

// zod-to-json-schema's generic signature makes tsc recurse without end on our tool union; the call itself is plain.
const toJsonSchema = zodToJsonSchema as (schema: unknown, options: object) => Record<string, unknown>;

export interface FunctionDefinition {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** The tool definitions sent to the LLM, computed once so the prompt prefix is byte-identical across turns. */
export const toolDefinitions: readonly FunctionDefinition[] = tools.map((t) => {
  const { $schema: _drop, ...parameters } = toJsonSchema(t.input, { target: 'openApi3', $refStrategy: 'none' });
  return { type: 'function', function: { name: t.name, description: t.description, parameters } };
});
