import { str } from '../../tools/contract';
import { findTool } from '../../tools/registry';
import type { ExecutedAction } from '../types';

/** Template summaries, each tool's own: what the offline provider says, and the fallback when an LLM summary fails. */
export function templateSummary(executed: ExecutedAction[]): string {
  return executed
    .filter((e) => !e.inDoubt)
    .map((e) => {
      if (!e.ok) return `I couldn't ${e.tool.replace(/_/g, ' ')}: ${str(e.output.error) || 'it failed'}`;
      return findTool(e.tool)?.summary(e.output) ?? `${e.tool} finished.`;
    })
    .join('\n');
}
