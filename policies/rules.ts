import { defaultPolicy } from './load';
import { DEFAULT_GRANT_HOURS, type PolicyTable } from './schema';

/**
 * The rule table lives in a file now: `policies/default.yaml` ships, `SENTINEL_POLICY` names another,
 * and `policies/schema.ts` is its schema. This module keeps the names code and tests have always used.
 */
export { RuleSchema, PolicyTableSchema, type Rule, type PolicyTable } from './schema';

/** The default cap on every access grant (`grant_caps.default`). */
export const MAX_GRANT_HOURS = DEFAULT_GRANT_HOURS;

/** The shipped rules (policies/default.yaml). */
export const defaultRules: PolicyTable = defaultPolicy().rules;
