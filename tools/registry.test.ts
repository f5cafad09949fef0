import { findTool, toolDefinitions, tools } from './registry';

describe('tool registry', () => {
  test('every tool exposes a complete JSON object schema to the LLM', () => {
    expect(toolDefinitions).toHaveLength(tools.length);
    for (const def of toolDefinitions) {
      const p = def.function.parameters as { type: string; properties: Record<string, unknown>; required?: string[]; additionalProperties: boolean };
      expect(p.type).toBe('object');
      expect(p.additionalProperties).toBe(false);
      const shape = Object.keys((findTool(def.function.name)!.input as unknown as { shape: Record<string, unknown> }).shape);
      expect(Object.keys(p.properties).sort()).toEqual(shape.sort());
      expect((p.required ?? []).sort()).toEqual(shape.sort());
      expect(def.function.description.length).toBeGreaterThan(20);
    }
  });

  test('tool names and arguments are the published contract', () => {
    const contract = Object.fromEntries(toolDefinitions.map((d) => [d.function.name, Object.keys((d.function.parameters as { properties: object }).properties).sort()]));
    expect(contract).toEqual({
      reset_password: ['user'],
      provision_access: ['duration_hours', 'level', 'reason', 'system', 'user'],
      run_device_diagnostic: ['device_id'],
      execute_remote_command: ['command', 'device_id'],
      create_support_ticket: ['description', 'priority', 'summary'],
      check_ticket_status: ['ticket_id'],
      list_my_access: [],
      list_my_tickets: [],
      list_pending_approvals: [],
    });
  });

  test('lookups never reach Object.prototype', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) expect(findTool(name)).toBeUndefined();
  });

  test('risk classes: only wipe-capable commands are destructive, reads are idempotent', () => {
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.execute_remote_command!.risk).toBe('destructive');
    expect(byName.execute_remote_command!.reversible).toBe(false);
    expect(byName.provision_access!.risk).toBe('privileged');
    expect(tools.filter((t) => t.idempotent).map((t) => t.name).sort()).toEqual(['check_ticket_status', 'list_my_access', 'list_my_tickets', 'list_pending_approvals', 'run_device_diagnostic']);
    // Every read-only tool is idempotent: a restart may simply run it again.
    for (const t of tools.filter((x) => x.risk === 'read')) expect(t.idempotent).toBe(true);
  });

  test('schemas reject unknown keys, wrong enums and oversized input', () => {
    const remote = findTool('execute_remote_command')!.input;
    expect(remote.safeParse({ device_id: 'X-1', command: 'format' }).success).toBe(false);
    expect(remote.safeParse({ device_id: 'X-1', command: 'lock', extra: 1 }).success).toBe(false);
    expect(findTool('reset_password')!.input.safeParse({ user: 'a'.repeat(10_000) }).success).toBe(false);
    expect(findTool('check_ticket_status')!.input.safeParse({ ticket_id: 'IT-12; DROP TABLE' }).success).toBe(false);
  });

  test('each tool carries its own summary and example requests', () => {
    for (const t of tools) {
      expect(t.examples.length).toBeGreaterThanOrEqual(3);
      expect(typeof t.summary({})).toBe('string');
    }
  });
});
