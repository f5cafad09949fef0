import type { Condition, Policy, Rule } from './schema';

/**
 * What `npm run policy -- check` warns about in a valid policy: rules that can never match because an
 * earlier rule matches everything they do, rules whose conditions name an argument their tools do not
 * take, and tools no rule names. Pure; the tools are passed in (name and argument names).
 */

export interface ToolShape {
  name: string;
  /** Argument names the tool takes. */
  args: readonly string[];
}

const label = (r: Rule, i: number) => `rule "${r.id}" (#${i + 1})`;
const subset = <T>(a: readonly T[], b: readonly T[]) => a.every((x) => b.includes(x));

/** Every value `inner` accepts, `outer` accepts too. */
function conditionWithin(inner: Condition, outer: Condition): boolean {
  if (Array.isArray(outer)) return Array.isArray(inner) && subset(inner, outer);
  const numbers = (values: readonly unknown[]) => values.every((v) => typeof v === 'number');
  if ('gt' in outer) {
    if (Array.isArray(inner)) return numbers(inner) && inner.every((v) => (v as number) > outer.gt);
    return 'gt' in inner && inner.gt >= outer.gt;
  }
  if (Array.isArray(inner)) return numbers(inner) && inner.every((v) => (v as number) <= outer.lte);
  return 'lte' in inner && inner.lte <= outer.lte;
}

/** Whether `earlier` matches every proposal `later` matches (so `later` never decides anything). */
export function covers(earlier: Rule, later: Rule): boolean {
  if (!subset(later.roles, earlier.roles)) return false;
  if (earlier.tools !== '*' && (later.tools === '*' || !subset(later.tools, earlier.tools))) return false;
  if (earlier.scope !== 'any' && earlier.scope !== later.scope) return false;
  if (earlier.targetState && (!later.targetState || !subset(later.targetState, earlier.targetState))) return false;
  for (const [field, cond] of Object.entries(earlier.when ?? {})) {
    const own = later.when && Object.prototype.hasOwnProperty.call(later.when, field) ? later.when[field] : undefined;
    if (!own || !conditionWithin(own, cond)) return false;
  }
  return true;
}

export function lintPolicy(policy: Pick<Policy, 'rules'>, tools: readonly ToolShape[]): string[] {
  const warnings: string[] = [];
  const { rules } = policy;
  rules.forEach((later, j) => {
    const i = rules.slice(0, j).findIndex((earlier) => covers(earlier, later));
    if (i >= 0) warnings.push(`${label(later, j)} can never match: ${label(rules[i]!, i)} comes first and matches everything it does`);
    if (later.tools !== '*' && later.when) {
      for (const name of later.tools) {
        const tool = tools.find((t) => t.name === name);
        const missing = Object.keys(later.when).filter((field) => tool && !tool.args.includes(field));
        if (tool && missing.length) warnings.push(`${label(later, j)} never matches ${name}: it has no argument ${missing.map((m) => `"${m}"`).join(', ')}`);
      }
    }
  });
  for (const tool of tools) {
    if (rules.some((r) => r.tools !== '*' && r.tools.includes(tool.name))) continue;
    const wildcard = rules.filter((r) => r.tools === '*');
    warnings.push(
      wildcard.length
        ? `tool ${tool.name} is named by no rule: only "*" rules decide it (${wildcard.map((r) => r.id).join(', ')})`
        : `tool ${tool.name} is named by no rule: it is denied to everyone`,
    );
  }
  return warnings;
}
