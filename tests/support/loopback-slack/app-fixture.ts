import { loadConfig } from '../../../config';
import { startSlackApp, type SlackApp } from '../../../apps/slack/app';
import { slackSettings } from '../../../apps/slack/settings';
import type { LlmProvider } from '../../../machines/llm/provider';
import type { Backends } from '../../../tools/backends/types';
import { openSentinel, silentLogger, tempDbPath } from '../harness';
import { APPROVALS_CHANNEL, PEOPLE } from '../slack-fixture';
import { LoopbackSlack, type LoopbackOptions } from './index';

export interface AgentFixture {
  slack: LoopbackSlack;
  sentinel: ReturnType<typeof openSentinel>;
  app: SlackApp;
  close(): Promise<void>;
}

/**
 * The real Sentinel Bolt app against a loopback Slack, like `slackFixture`, with the LLM and the backends
 * replaceable: the agent-surface tests need turns that are slow at a chosen point (an LLM still thinking,
 * a tool still running) to watch status lines and to press Stop in the middle.
 */
export async function agentFixture(
  opts: { llm?: LlmProvider; backends?: (b: Backends) => Backends; loopback?: LoopbackOptions; env?: Record<string, string>; statusAfterMs?: number } = {},
): Promise<AgentFixture> {
  const slack = await LoopbackSlack.start(opts.loopback);
  for (const p of Object.values(PEOPLE)) slack.addUser({ ...p });
  const dbPath = tempDbPath();
  const env: Record<string, string> = { ...slack.env(), SENTINEL_APPROVALS_CHANNEL: APPROVALS_CHANNEL, ...opts.env };
  const sentinel = openSentinel({ db: dbPath, env, llm: opts.llm, backends: opts.backends });
  const settings = slackSettings(loadConfig({ SENTINEL_DB: dbPath, ...env }));
  const app = await startSlackApp({ settings, sentinel, logger: silentLogger, socket: { clientPingTimeout: 200 }, outboxPollMs: 100, statusAfterMs: opts.statusAfterMs ?? 0 });
  return {
    slack,
    sentinel,
    app,
    async close() {
      await app.stop();
      await sentinel.close();
      await slack.close();
    },
  };
}

/** A promise to hold something up until the test lets it go. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
