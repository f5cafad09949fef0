import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { ZodIssue } from 'zod';
import { PolicySchema, type LoadedPolicy } from './schema';

/** The shipped policy: what runs when SENTINEL_POLICY is unset. */
export const DEFAULT_POLICY_FILE = path.join(__dirname, 'default.yaml');

export type PolicyLoad = { ok: true; policy: LoadedPolicy } | { ok: false; problems: string[] };

/** sha256 (hex) of a policy file's bytes: what the audit log records as `policy_hash`. */
export const policyHash = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

function named(raw: unknown, list: 'rules' | 'budgets', i: number): string {
  const item = (raw as Record<string, unknown> | null)?.[list];
  const id = Array.isArray(item) ? (item[i] as Record<string, unknown> | null)?.id : undefined;
  const what = list === 'rules' ? 'rule' : 'budget';
  return typeof id === 'string' && id.trim() ? `${what} "${id.trim()}" (#${i + 1})` : `${what} #${i + 1}`;
}

/** `rule "employee-wipe" (#6): approvals: …` — the rule (or budget) by id and index, then the field. */
function describeIssue(raw: unknown, issue: ZodIssue): string {
  const p = issue.path;
  if ((p[0] === 'rules' || p[0] === 'budgets') && typeof p[1] === 'number') {
    const field = p.slice(2).join('.');
    return `${named(raw, p[0], p[1])}: ${field ? `${field}: ` : ''}${issue.message}`;
  }
  return `${p.length ? p.join('.') : 'the file'}: ${issue.message}`;
}

/** Rule and budget tool names must be tools Sentinel has: a misspelt name would silently match nothing. */
function unknownTools(policy: LoadedPolicy, known: readonly string[]): string[] {
  const problems: string[] = [];
  const check = (list: 'rules' | 'budgets', i: number, tools: '*' | string[]) => {
    if (tools === '*') return;
    for (const t of tools) if (!known.includes(t)) problems.push(`${named(policy, list, i)}: tools: unknown tool "${t}" (tools: ${known.join(', ')})`);
  };
  policy.rules.forEach((r, i) => check('rules', i, r.tools));
  policy.budgets.forEach((b, i) => check('budgets', i, b.tools));
  return problems;
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, Math.max(0, offset)).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

/**
 * Parses a policy from a file's bytes. YAML (any YAML 1.2 document, so JSON too); a `.json` file is read
 * as strict JSON. Every problem names the file, the rule (by id and index) and the field. With `tools`,
 * tool names that are not among them are problems too.
 */
export function parsePolicy(bytes: Buffer, source: string, opts: { tools?: readonly string[] } = {}): PolicyLoad {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return { ok: false, problems: [`${source}: not UTF-8 text`] };
  }
  let raw: unknown;
  if (source.toLowerCase().endsWith('.json')) {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return { ok: false, problems: [`${source}: not valid JSON (${(err as Error).message})`] };
    }
  } else {
    const doc = YAML.parseDocument(text, { prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length) {
      return {
        ok: false,
        problems: doc.errors.slice(0, 5).map((e) => `${source}: not valid YAML at ${lineCol(text, e.pos[0])}: ${e.message.split('\n')[0]}`),
      };
    }
    try {
      raw = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      return { ok: false, problems: [`${source}: not valid YAML: ${(err as Error).message}`] };
    }
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problems: [`${source}: the file must hold an object with a \`rules\` list (and optionally \`grant_caps\` and \`budgets\`)`] };
  }
  const parsed = PolicySchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${source}: ${describeIssue(raw, i)}`) };
  const policy: LoadedPolicy = { ...parsed.data, hash: policyHash(bytes), source };
  const unknown = opts.tools ? unknownTools(policy, opts.tools) : [];
  if (unknown.length) return { ok: false, problems: unknown.map((p) => `${source}: ${p}`) };
  return { ok: true, policy };
}

/** Reads and validates a policy file (see parsePolicy). */
export function loadPolicyFile(file: string, opts: { tools?: readonly string[] } = {}): PolicyLoad {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, problems: [`${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : (err as Error).message})`] };
  }
  return parsePolicy(bytes, file, opts);
}

let shipped: LoadedPolicy | undefined;

/** The shipped policy (policies/default.yaml), read once. A broken shipped file is a bug: it throws. */
export function defaultPolicy(): LoadedPolicy {
  if (shipped) return shipped;
  const loaded = loadPolicyFile(DEFAULT_POLICY_FILE);
  if (!loaded.ok) throw new Error(`the shipped policy is invalid:\n  ${loaded.problems.join('\n  ')}`);
  shipped = loaded.policy;
  return shipped;
}
