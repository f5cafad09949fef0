import { Annotation, Command, END, START, StateGraph, interrupt } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { requestsView } from '../db/approvals';
import { openDatabase } from '../db/client';
import type { LlmProvider } from '../machines/llm/provider';
import type { ExecutedAction, Plan } from '../machines/types';
import { decide } from '../policies/decide';
import { defaultRules } from '../policies/rules';
import type { Actor } from '../policies/types';
import { embeddedBackends } from '../tools/backends/embedded';
import type { DirectoryFile } from '../tools/backends/embedded/directory-file';
import { seedIfEmpty } from '../tools/backends/embedded/seed';
import { findTool } from '../tools/registry';
import { bytesOnDisk } from './measure';

interface Action {
  key: string;
  tool: string;
  args: Record<string, unknown>;
  needsApproval: boolean;
}

const State = Annotation.Root({
  requester: Annotation<Actor>(),
  message: Annotation<string>(),
  plan: Annotation<Plan | null>(),
  actions: Annotation<Action[]>(),
  executed: Annotation<ExecutedAction[]>(),
  reply: Annotation<string | null>(),
});

/**
 * The same workflow on LangGraph.js: propose → guard → approve (interrupt) → execute → summarize,
 * checkpointed to SQLite with the same durability (WAL, synchronous=FULL), the same policy, tools and
 * embedded backends. It is the yardstick for Sentinel's own overhead, not a second product.
 */
export function langgraphReference(opts: { checkpointFile: string; backendFile: string; directory: DirectoryFile; llm: LlmProvider }) {
  const backendDb = openDatabase(opts.backendFile);
  seedIfEmpty(backendDb.db, opts.directory, Date.now());
  const backends = embeddedBackends(backendDb.db);
  const saver = SqliteSaver.fromConnString(opts.checkpointFile);
  saver.db.pragma('journal_mode = WAL');
  saver.db.pragma('synchronous = FULL');

  const graph = new StateGraph(State)
    .addNode('propose', async (s) => ({ plan: await opts.llm.propose({ requester: { id: s.requester.id, role: s.requester.role, email: null, name: null, devices: [] }, history: [], message: s.message, systemIds: [] }, new AbortController().signal) }))
    .addNode('guard', async (s) => {
      const actions: Action[] = [];
      for (const [i, call] of (s.plan?.calls ?? []).entries()) {
        const tool = findTool(call.name);
        const parsed = tool?.input.safeParse(JSON.parse(call.arguments));
        if (!tool || !parsed?.success) continue;
        const target = await tool.target(parsed.data, backends);
        const d = decide(s.requester, { tool: tool.name, args: parsed.data }, { target, rules: defaultRules });
        if (d.effect !== 'deny') actions.push({ key: `${s.message}#${i}`, tool: tool.name, args: parsed.data, needsApproval: d.effect === 'require_approval' });
      }
      return { actions, executed: [] };
    })
    .addNode('approve', async (s) => {
      const waiting = s.actions.filter((a) => a.needsApproval);
      if (!waiting.length) return {};
      const answer = interrupt<{ tools: string[] }, { approved: boolean }>({ tools: waiting.map((a) => a.tool) });
      return { actions: answer.approved ? s.actions.map((a) => ({ ...a, needsApproval: false })) : s.actions.filter((a) => !a.needsApproval) };
    })
    .addNode('execute', async (s) => {
      const executed: ExecutedAction[] = [];
      for (const a of s.actions) {
        const tool = findTool(a.tool)!;
        const r = await tool.run(tool.input.parse(a.args), { backends, requester: s.requester, executionKey: `${a.key}:${Math.random()}`, transcript: '', requests: requestsView(backendDb.db), now: Date.now() });
        executed.push({ key: a.key, tool: a.tool, args: a.args, ok: r.ok, output: r.ok ? r.output : { error: r.error } });
      }
      return { executed };
    })
    .addNode('summarize', async (s) => ({ reply: await opts.llm.summarize({ requester: { id: s.requester.id, role: s.requester.role, email: null, name: null, devices: [] }, message: s.message, executed: s.executed }, new AbortController().signal) }))
    .addEdge(START, 'propose')
    .addEdge('propose', 'guard')
    .addEdge('guard', 'approve')
    .addEdge('approve', 'execute')
    .addEdge('execute', 'summarize')
    .addEdge('summarize', END)
    .compile({ checkpointer: saver });

  return {
    async message(thread: string, requester: Actor, text: string) {
      return graph.invoke({ requester, message: text, plan: null, actions: [], executed: [], reply: null }, { configurable: { thread_id: thread } });
    },
    async approve(thread: string) {
      return graph.invoke(new Command({ resume: { approved: true } }), { configurable: { thread_id: thread } });
    },
    checkpointBytes: () => bytesOnDisk(saver.db, opts.checkpointFile),
    close() {
      saver.db.close();
      backendDb.close();
    },
  };
}
