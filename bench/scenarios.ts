import type { LlmProvider } from '../machines/llm/provider';
import type { Plan } from '../machines/types';

export type ScenarioName = 'allowed' | 'approval' | 'denied';
export const SCENARIOS: ScenarioName[] = ['allowed', 'approval', 'denied'];

/** The same proposal every time, per scenario: the LLM costs nothing, so what is measured is the framework. */
export function planFor(scenario: ScenarioName): Plan {
  switch (scenario) {
    case 'allowed':
      return { text: null, calls: [{ name: 'reset_password', arguments: '{"user":"alice"}' }] };
    case 'approval':
      return { text: null, calls: [{ name: 'provision_access', arguments: '{"user":"alice","system":"github","level":"read","duration_hours":8,"reason":"bench"}' }] };
    case 'denied':
      return { text: null, calls: [{ name: 'execute_remote_command', arguments: '{"device_id":"LAPTOP-CTO-01","command":"wipe"}' }] };
  }
}

/** A zero-latency scripted LLM shared by Sentinel and the LangGraph reference. */
export function scriptedLlm(scenario: () => ScenarioName): LlmProvider {
  return {
    name: 'scripted',
    propose: async () => planFor(scenario()),
    summarize: async (req) => `Done: ${req.executed.map((e) => e.tool).join(', ')}.`,
  };
}
