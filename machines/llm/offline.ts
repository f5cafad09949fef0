import { offlinePlan } from './offline-planner';
import { templateSummary } from './offline-summary';
import type { LlmProvider } from './provider';

/** The zero-configuration provider: deterministic planning and template summaries, no network. */
export const offlineProvider: LlmProvider = {
  name: 'offline',
  async propose(req) {
    return offlinePlan(req);
  },
  async summarize(req) {
    return templateSummary(req.executed);
  },
};
