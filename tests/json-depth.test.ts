import { canonicalJson } from '../db/canonical-json';
import { MAX_JSON_DEPTH, nestedDeeperThan, TOO_DEEP } from '../db/json-depth';
import { redactSecrets } from '../db/redact';

/** `depth` arrays nested in one another, built without recursion. */
function nestedArrays(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

describe('walks over untrusted JSON are bounded by depth', () => {
  const deep = { a: nestedArrays(100_000), b: 'password is hunter2A' };

  test('canonical JSON of 100,000 nested arrays is a marker past the bound, not a RangeError', () => {
    const text = canonicalJson(deep);
    expect(text).toContain(JSON.stringify(TOO_DEEP));
    // The top-level object is level 1, so MAX_JSON_DEPTH - 1 arrays are kept (the marker's own "[" aside).
    expect(text.match(/\[(?!nested)/g)).toHaveLength(MAX_JSON_DEPTH - 1);
  });

  test('redaction of deep input masks what it keeps and cuts the rest', () => {
    const kept = canonicalJson(redactSecrets(deep));
    expect(kept).toContain(TOO_DEEP);
    expect(kept).not.toContain('hunter2A');
  });

  test('a cyclic value ends in the marker instead of looping or overflowing', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expect(canonicalJson(cyclic)).toContain(TOO_DEEP);
    expect(nestedDeeperThan(cyclic, 10)).toBe(true);
  });

  test('values within the bound serialize exactly as before (audit hashes stay verifiable)', () => {
    const v = nestedArrays(MAX_JSON_DEPTH);
    expect(canonicalJson(v)).toBe(JSON.stringify(v));
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }] })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
  });

  test('depth is counted in containers: a bare array is 1, scalars are 0', () => {
    expect(nestedDeeperThan('text', 0)).toBe(false);
    expect(nestedDeeperThan([], 0)).toBe(true);
    expect(nestedDeeperThan({ a: [1] }, 2)).toBe(false);
    expect(nestedDeeperThan({ a: [[1]] }, 2)).toBe(true);
    expect(nestedDeeperThan(nestedArrays(100_000), 32)).toBe(true);
  });
});
