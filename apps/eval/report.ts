import type { RealFeedback } from './feedback';
import type { Failure, Metrics, Rate } from './score';

const pct = (r: Rate) => (r.rate === null ? 'n/a' : `${(r.rate * 100).toFixed(1)}%`);
const frac = (r: Rate) => `${r.n}/${r.of}`;
const compact = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v ?? {}));

function failureLines(f: Failure): string[] {
  const expected = f.expected.tools ? f.expected.tools.map((t) => `${t.tool} ${compact(t.args)}`).join(' + ') : f.expected.label;
  const target = f.expected.target !== undefined ? ` (about ${[f.expected.target].flat().join(', ')})` : '';
  const got = f.got.proposals.length ? f.got.proposals.map((p) => `${p.tool} ${compact(p.args)}`).join(' + ') : f.got.label;
  const reply = f.got.reply.replace(/\s+/g, ' ');
  return [
    `  ${f.case} #${f.turn} [${f.as}] ${JSON.stringify(f.said)} — ${f.problems.join('; ')}`,
    `      expected ${expected}${target}`,
    `      got      ${got}${reply ? ` — ${JSON.stringify(reply)}` : ''}`,
  ];
}

/** The human report: headline figures, then per tag, per-tool confusion, and every failure. */
export function renderReport(m: Metrics, meta: { corpus: string; llm: string }, feedback?: RealFeedback | null): string {
  const out: string[] = [];
  out.push(`Sentinel eval — ${meta.corpus}, ${meta.llm} planner: ${m.cases} cases, ${m.turns} turns`);
  out.push('');
  out.push(`  intent accuracy     ${pct(m.intent).padStart(6)}  (${frac(m.intent)} turns: proposed tools = expected; none/clarify/cancel count as intents)`);
  out.push(`  argument accuracy   ${pct(m.arguments).padStart(6)}  (${frac(m.arguments)} turns whose intent was right)`);
  out.push(`  wrong targets       ${String(m.wrongTargets).padStart(6)}  (proposals acting on someone or something the request was not about)`);
  out.push(`  clarification rate  ${pct(m.clarifications).padStart(6)}  (${frac(m.clarifications)} turns answered with a question and no proposal)`);
  out.push(`  no-tool respected   ${pct(m.noToolRespected).padStart(6)}  (${frac(m.noToolRespected)} turns that expected no tool got none)`);
  if (m.apologies) out.push(`  LLM apologies       ${String(m.apologies).padStart(6)}  (turns where the provider failed)`);

  const tags = Object.entries(m.byTag);
  if (tags.length) {
    out.push('', 'Intent accuracy by tag:');
    for (const [t, r] of tags) out.push(`  ${t.padEnd(14)} ${pct(r).padStart(6)}  (${frac(r)})`);
  }

  out.push('', 'Per-tool confusion (expected → proposed, turns):');
  for (const [want, row] of Object.entries(m.confusion).sort(([a], [b]) => a.localeCompare(b))) {
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    const cells = Object.entries(row).sort(([, a], [, b]) => b - a).map(([have, n]) => `${have === want ? '✓ ' : ''}${have} ${n}`);
    out.push(`  ${want} (${total}) → ${cells.join(' · ')}`);
  }

  out.push('', m.failures.length ? `Failures (${m.failures.length} turns):` : 'Failures: none');
  for (const f of m.failures) out.push(...failureLines(f));
  if (feedback) out.push('', ...feedbackLines(feedback));
  return out.join('\n');
}

const oneLine = (s: string | null, max: number) => {
  const t = (s ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** Real-world feedback: the 👍/👎 people gave Sentinel's answers in Slack (SENTINEL_DB). */
export function feedbackLines(f: RealFeedback): string[] {
  const votes = f.up + f.down;
  const out = [`Real-world feedback (${f.db}):`];
  out.push(`  👍 ${f.up}  👎 ${f.down}  helpful ${f.rate === null ? 'n/a' : `${(f.rate * 100).toFixed(1)}%`}  (${votes} vote${votes === 1 ? '' : 's'} on replies in Slack)`);
  if (f.recentDown.length) {
    out.push(`  Last ${f.recentDown.length} 👎:`);
    for (const d of f.recentDown) {
      out.push(`    ${new Date(d.at).toISOString().slice(0, 16).replace('T', ' ')} UTC ${JSON.stringify(oneLine(d.request, 160))}`);
      out.push(`        answered ${JSON.stringify(oneLine(d.reply, 160))}`);
    }
  }
  return out;
}
