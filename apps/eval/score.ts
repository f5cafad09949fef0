import type { Expectation, ExpectedCall } from './corpus';

// Scoring is a pure function of what each turn was expected to do and what the machine proposed, so it
// can be checked without a planner. Definitions (eval/README.md explains them for readers):
// - intent: the set of proposed tool names equals the expected set; `none` = no proposal; `clarify` = no
//   proposal and a question mark in the reply; `cancels` = no proposal and nothing left pending in the thread.
// - arguments (scored only where the intent was right): every expected call has its own proposal of that
//   tool whose arguments include the expected ones with equal values.
// - wrong target: a proposal whose user / device_id / ticket_id belongs to someone other than the
//   people the turn is about (its `target`, and the owners of the expected calls' targets).

export interface ProposedCall {
  tool: string;
  /** Parsed arguments, or the raw text when they did not parse. */
  args: unknown;
}

export interface TurnObservation {
  proposals: ProposedCall[];
  reply: string;
  /** Approvals of the thread still pending after the turn. */
  pendingApprovals: number;
  /** The turn ended with the LLM apology: nothing was measured for it. */
  apology?: boolean;
}

export interface TurnRecord {
  case: string;
  /** 1-based. */
  turn: number;
  as: string;
  said: string;
  tags: string[];
  expect: Expectation;
  got: TurnObservation;
}

/** Lowercased user id, email, device id or ticket id → the (lowercased) directory user it belongs to. */
export type Owners = Record<string, string>;

export interface TurnVerdict {
  intent: boolean;
  /** null when not scored (intent wrong, or no tool expected). */
  args: boolean | null;
  wrongTargets: string[];
  clarified: boolean;
}

export interface Failure {
  case: string;
  turn: number;
  as: string;
  said: string;
  expected: { label: string; tools?: ExpectedCall[]; target?: string | string[] };
  got: { label: string; proposals: ProposedCall[]; reply: string };
  problems: string[];
}

export interface Rate {
  n: number;
  of: number;
  rate: number | null;
}

export interface Metrics {
  cases: number;
  turns: number;
  intentAccuracy: number | null;
  argumentAccuracy: number | null;
  wrongTargets: number;
  clarificationRate: number | null;
  intent: Rate;
  arguments: Rate;
  clarifications: Rate;
  /** Turns expecting no tool (none, clarify, cancels) answered without one. */
  noToolRespected: Rate;
  /** Turns answered with the LLM apology (the provider failed). */
  apologies: number;
  byTag: Record<string, Rate>;
  /** Expected label → proposed label → turns. */
  confusion: Record<string, Record<string, number>>;
  failures: Failure[];
}

const TARGET_ARGS = ['user', 'device_id', 'ticket_id'] as const;

const rate = (n: number, of: number): Rate => ({ n, of, rate: of ? n / of : null });

const norm = (v: string) => v.trim().toLowerCase();

export function expectedLabel(e: Expectation): string {
  if (e.tools) return [...new Set(e.tools.map((t) => t.tool))].sort().join(' + ');
  return e.none ? 'none' : e.clarify ? 'clarify' : 'cancel';
}

const asksQuestion = (o: TurnObservation) => o.proposals.length === 0 && o.reply.includes('?');

/** What the machine did, as a label: the proposed tools, or `clarify` (a question, no proposal), or `none`. */
export function gotLabel(o: TurnObservation): string {
  if (o.proposals.length) return [...new Set(o.proposals.map((p) => p.tool))].sort().join(' + ');
  return asksQuestion(o) ? 'clarify' : 'none';
}

function intentMet(e: Expectation, o: TurnObservation): boolean {
  if (e.tools) {
    const want = new Set(e.tools.map((t) => t.tool));
    const have = new Set(o.proposals.map((p) => p.tool));
    return want.size === have.size && [...want].every((t) => have.has(t));
  }
  if (o.proposals.length) return false;
  if (e.clarify) return asksQuestion(o);
  if (e.cancels) return o.pendingApprovals === 0;
  return true;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function argsInclude(actual: unknown, expected: Record<string, unknown>): boolean {
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return Object.keys(expected).length === 0;
  return Object.entries(expected).every(([k, v]) => deepEqual((actual as Record<string, unknown>)[k], v));
}

/** True when each expected call can be given a distinct proposal of its tool with matching arguments. */
function argumentsMet(expected: ExpectedCall[], proposals: ProposedCall[]): boolean {
  const used = new Set<number>();
  const assign = (i: number): boolean => {
    if (i === expected.length) return true;
    const want = expected[i]!;
    for (const [j, p] of proposals.entries()) {
      if (used.has(j) || p.tool !== want.tool || !argsInclude(p.args, want.args)) continue;
      used.add(j);
      if (assign(i + 1)) return true;
      used.delete(j);
    }
    return false;
  };
  return assign(0);
}

function targetValues(args: unknown): string[] {
  if (typeof args !== 'object' || args === null) return [];
  const a = args as Record<string, unknown>;
  return TARGET_ARGS.map((k) => a[k]).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
}

/** The people a turn is about; empty when the corpus says nothing about it (then no target is wrong). */
function allowedOwners(e: Expectation, ownerOf: (v: string) => string): Set<string> {
  const named = e.target === undefined ? [] : Array.isArray(e.target) ? e.target : [e.target];
  const fromCalls = (e.tools ?? []).flatMap((t) => targetValues(t.args));
  return new Set([...named, ...fromCalls].map(ownerOf));
}

export function judgeTurn(r: Pick<TurnRecord, 'expect' | 'got'>, owners: Owners): TurnVerdict {
  const ownerOf = (v: string) => owners[norm(v)] ?? norm(v);
  const intent = intentMet(r.expect, r.got);
  const args = intent && r.expect.tools ? argumentsMet(r.expect.tools, r.got.proposals) : null;
  const allowed = allowedOwners(r.expect, ownerOf);
  const wrongTargets: string[] = [];
  if (allowed.size) {
    for (const p of r.got.proposals) {
      for (const v of targetValues(p.args)) if (!allowed.has(ownerOf(v))) wrongTargets.push(`${p.tool} on ${v} (${ownerOf(v)}'s)`);
    }
  }
  return { intent, args, wrongTargets, clarified: asksQuestion(r.got) };
}

const MAX_REPLY = 240;

export function score(records: TurnRecord[], owners: Owners): Metrics {
  let intent = 0;
  let argsScored = 0;
  let argsOk = 0;
  let wrong = 0;
  let clarified = 0;
  let noTool = 0;
  let noToolOk = 0;
  let apologies = 0;
  const tags: Record<string, { n: number; of: number }> = {};
  const confusion: Record<string, Record<string, number>> = {};
  const failures: Failure[] = [];

  for (const r of records) {
    const v = judgeTurn(r, owners);
    const want = expectedLabel(r.expect);
    const have = gotLabel(r.got);
    if (v.intent) intent++;
    if (v.args !== null) {
      argsScored++;
      if (v.args) argsOk++;
    }
    wrong += v.wrongTargets.length;
    if (v.clarified) clarified++;
    if (!r.expect.tools) {
      noTool++;
      if (r.got.proposals.length === 0) noToolOk++;
    }
    if (r.got.apology) apologies++;
    for (const t of r.tags) {
      const s = (tags[t] ??= { n: 0, of: 0 });
      s.of++;
      if (v.intent) s.n++;
    }
    const row = (confusion[want] ??= {});
    row[have] = (row[have] ?? 0) + 1;

    const problems: string[] = [];
    if (!v.intent) problems.push(r.expect.cancels && r.got.proposals.length === 0 ? 'intent (a request is still pending)' : 'intent');
    if (v.args === false) problems.push('arguments');
    for (const w of v.wrongTargets) problems.push(`wrong target: ${w}`);
    if (problems.length) {
      failures.push({
        case: r.case,
        turn: r.turn,
        as: r.as,
        said: r.said,
        expected: { label: want, ...(r.expect.tools ? { tools: r.expect.tools } : {}), ...(r.expect.target !== undefined ? { target: r.expect.target } : {}) },
        got: { label: have, proposals: r.got.proposals, reply: r.got.reply.length > MAX_REPLY ? `${r.got.reply.slice(0, MAX_REPLY - 1)}…` : r.got.reply },
        problems,
      });
    }
  }

  const turns = records.length;
  const i = rate(intent, turns);
  const a = rate(argsOk, argsScored);
  const c = rate(clarified, turns);
  return {
    cases: new Set(records.map((r) => r.case)).size,
    turns,
    intentAccuracy: i.rate,
    argumentAccuracy: a.rate,
    wrongTargets: wrong,
    clarificationRate: c.rate,
    intent: i,
    arguments: a,
    clarifications: c,
    noToolRespected: rate(noToolOk, noTool),
    apologies,
    byTag: Object.fromEntries(Object.entries(tags).sort(([x], [y]) => x.localeCompare(y)).map(([t, s]) => [t, rate(s.n, s.of)])),
    confusion,
    failures,
  };
}
