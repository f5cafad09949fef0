import pino from 'pino';
import { createSentinel } from '../apps/sentinel';
import { loadConfig } from '../config';
import type { LlmProvider } from '../machines/llm/provider';
import type { Plan } from '../machines/types';

export type ScenarioName = 'allowed' | 'approval' | 'denied';
export const SCENARIOS: ScenarioName[] = ['allowed', 'approval', 'denied'];

/** The same proposal every time for a scenario and requester: the LLM costs nothing, so what is measured is the framework. */
export function planFor(scenario: ScenarioName, requester: string): Plan {
  switch (scenario) {
    case 'allowed':
      return { text: null, calls: [{ name: 'reset_password', arguments: JSON.stringify({ user: requester }) }] };
    case 'approval':
      return { text: null, calls: [{ name: 'provision_access', arguments: JSON.stringify({ user: requester, system: 'github', level: 'read', duration_hours: 8, reason: 'bench' }) }] };
    case 'denied':
      return { text: null, calls: [{ name: 'execute_remote_command', arguments: '{"device_id":"LAPTOP-CTO-01","command":"wipe"}' }] };
  }
}

/** A zero-latency scripted LLM shared by Sentinel and the LangGraph reference. */
export function scriptedLlm(scenario: () => ScenarioName): LlmProvider {
  return {
    name: 'scripted',
    propose: async (req) => planFor(scenario(), req.requester.id),
    summarize: async (req) => `Done: ${req.executed.map((e) => e.tool).join(', ')}.`,
  };
}

/** Sentinel at shipped settings (durability, rate limit, history); only the directory and the LLM are the bench's. */
export function benchSentinel(dbPath: string, directoryFile: string, scenario: () => ScenarioName) {
  const config = loadConfig({ SENTINEL_DB: dbPath, SENTINEL_LLM: 'offline', SENTINEL_DIRECTORY: directoryFile });
  return createSentinel(config, pino({ level: 'silent' }), { llm: scriptedLlm(scenario) });
}
