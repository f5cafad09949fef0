import { z } from 'zod';
import { lintPolicy, type ToolShape } from '../../policies/lint';
import { loadPolicyFile } from '../../policies/load';
import { tools } from '../../tools/registry';
import { shortHash } from './describe';

/** The registry's tools with their argument names, for the lint. */
export const toolShapes: ToolShape[] = tools.map((t) => ({ name: t.name, args: t.input instanceof z.ZodObject ? Object.keys(t.input.shape as object) : [] }));

/** `check FILE`: the problems (exit 1) or the warnings and a summary (exit 0). */
export function check(file: string): { code: 0 | 1; out: string } {
  const loaded = loadPolicyFile(file, { tools: tools.map((t) => t.name) });
  if (!loaded.ok) {
    const n = loaded.problems.length;
    return { code: 1, out: `${loaded.problems.map((p) => `error: ${p}`).join('\n')}\n${file}: invalid (${n} error${n === 1 ? '' : 's'})` };
  }
  const p = loaded.policy;
  const warnings = lintPolicy(p, toolShapes);
  const systems = Object.keys(p.grant_caps.systems).length;
  const summary =
    `${file}: valid (${shortHash(p.hash)}): ${p.rules.length} rules, grant cap ${p.grant_caps.default} h` +
    `${systems ? ` (${systems} system${systems === 1 ? '' : 's'} with their own)` : ''}, ${p.budgets.length} budget${p.budgets.length === 1 ? '' : 's'}` +
    `${warnings.length ? `; ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}`;
  return { code: 0, out: [...warnings.map((w) => `warning: ${file}: ${w}`), summary].join('\n') };
}
