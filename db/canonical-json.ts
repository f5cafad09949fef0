import { MAX_JSON_DEPTH, TOO_DEEP } from './json-depth';

/**
 * JSON with object keys sorted, so equal values always hash and compare the same. Containers nested
 * deeper than MAX_JSON_DEPTH are replaced by a marker, so deep untrusted input cannot overflow the stack
 * (here or in JSON.stringify, which throws a RangeError a few thousand levels down).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, 0));
}

function sortKeys(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_JSON_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => sortKeys(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) setOwn(out, key, sortKeys((value as Record<string, unknown>)[key], depth + 1));
  return out;
}

/** `out[key] = value` that also works for the key "__proto__" (plain assignment would set the prototype). */
export function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
