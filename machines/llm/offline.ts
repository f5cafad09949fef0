import { classifyIntent, MIN_SCORE } from './intent-classifier';
import { isNotUnderstood, offlinePlan } from './offline-planner';
import { templateSummary } from './offline-summary';
import type { LlmProvider } from './provider';

/**
 * The zero-configuration provider: rule-based planning, a trained classifier's guess for what the rules
 * did not understand, and template summaries. No network.
 */
export const offlineProvider: LlmProvider = {
  name: 'offline',
  async propose(req) {
    const plan = offlinePlan(req);
    if (!isNotUnderstood(plan)) return plan;
    const guess = await classifyIntent(req.message);
    return guess.score >= MIN_SCORE ? offlinePlan(req, guess.intent) : plan;
  },
  async summarize(req) {
    return templateSummary(req.executed);
  },
};
