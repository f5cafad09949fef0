/**
 * Untrusted JSON (an LLM's tool arguments, a tool's output, a Slack payload) can nest thousands of levels
 * in a few kilobytes. A recursive walk over it overflows the stack, and a RangeError thrown mid-turn loses
 * the whole turn with nothing decided or audited. So every walk over such data is bounded by depth.
 */

/** Nesting kept by canonical JSON and redaction; deeper containers become {@link TOO_DEEP}. */
export const MAX_JSON_DEPTH = 64;

/** What stands in for a container nested deeper than a walk goes. */
export const TOO_DEEP = '[nested too deep]';

/**
 * Whether `value` has arrays or objects nested more than `limit` deep (a bare container is depth 1).
 * Iterative, and it stops at the first container past the limit, so it is safe on any input, cycles included.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
