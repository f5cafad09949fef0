import { LoopbackGraph, type GraphOptions } from './graph-server';
import { LoopbackJira, type JiraOptions } from './jira-server';
import type { OktaServer } from './okta-server';
import { runEntryAsync } from './processes';

// What the end-to-end tests with real backends share: the variables that point Sentinel at a loopback
// vendor, the loopback Jira and Graph started together, and the CLI's --json answer.

/** SENTINEL_TICKETS=jira and the JIRA_* variables for a loopback Jira. */
export const jiraEnv = (jira: LoopbackJira): Record<string, string> => ({
  SENTINEL_TICKETS: 'jira',
  JIRA_BASE_URL: jira.url,
  JIRA_EMAIL: jira.email,
  JIRA_API_TOKEN: jira.apiToken,
  JIRA_PROJECT_KEY: jira.projectKey,
});

/** SENTINEL_MDM=intune and the INTUNE_ and GRAPH_ variables for a loopback Graph. */
export const intuneEnv = (graph: LoopbackGraph): Record<string, string> => ({
  SENTINEL_MDM: 'intune',
  INTUNE_TENANT_ID: graph.tenantId,
  INTUNE_CLIENT_ID: graph.clientId,
  INTUNE_CLIENT_SECRET: graph.clientSecret,
  GRAPH_API_URL: graph.graphUrl,
  GRAPH_LOGIN_URL: graph.loginUrl,
});

/** SENTINEL_IDENTITY=okta and the OKTA_* variables for a loopback Okta. */
export const oktaEnv = (okta: OktaServer): Record<string, string> => ({ SENTINEL_IDENTITY: 'okta', OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: okta.token });

export interface JiraAndGraph {
  jira: LoopbackJira;
  graph: LoopbackGraph;
  /** jiraEnv and intuneEnv together. */
  env: Record<string, string>;
  /** Stops both, after checking that Graph was never asked for the whole tenant. */
  close(): Promise<void>;
}

/** A loopback Jira and Graph for Sentinel's tickets and devices. */
export async function jiraAndGraph(opts: { jira?: JiraOptions; graph?: GraphOptions } = {}): Promise<JiraAndGraph> {
  const [jira, graph] = await Promise.all([LoopbackJira.start(opts.jira), LoopbackGraph.start(opts.graph)]);
  return {
    jira,
    graph,
    env: { ...jiraEnv(jira), ...intuneEnv(graph) },
    async close() {
      try {
        expect(graph.violations).toEqual([]);
      } finally {
        await Promise.all([jira.close(), graph.close()]);
      }
    },
  };
}

/** The CLI's `--json` answer. */
export interface CliTurn {
  reply: string;
  state: string;
  proposals: Array<{ tool: string; args: Record<string, unknown>; decision: string }>;
  executed: Array<{ tool: string; ok: boolean; output: Record<string, unknown> }>;
  approvals: Array<{ id: string; status: string }>;
}

/**
 * The CLI as a child process with only `env` set, its `--json` answer parsed (pass `--json` in `args`).
 * Async: loopback servers in this process must keep answering while it runs. A non-zero exit throws
 * with its stderr; so does any of `secrets` on its stdout or stderr.
 */
export async function cliJson(args: string[], env: Record<string, string>, secrets: readonly string[] = []): Promise<CliTurn> {
  const r = await runEntryAsync('apps/cli/main.ts', args, env);
  if (r.code !== 0) throw new Error(`cli exited ${r.code}: ${r.stderr}`);
  for (const secret of secrets) expect(r.stdout + r.stderr).not.toContain(secret);
  return JSON.parse(r.stdout.trim()) as CliTurn;
}
