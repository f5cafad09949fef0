import type { TurnResult } from '../../machines/runner';

/** The `--json` contract: exactly these keys (plus `recovered` when a crashed turn was finished first). */
export function toJson(r: TurnResult): string {
  const out: Record<string, unknown> = {
    thread: r.thread,
    state: r.state,
    reply: r.reply,
    proposals: r.proposals,
    executed: r.executed,
    approvals: r.approvals,
  };
  if (r.recovered) out.recovered = JSON.parse(toJson(r.recovered));
  return JSON.stringify(out);
}

/** Human-readable reply, with the commands that answer pending approvals. */
export function toText(r: TurnResult, opts: { repl: boolean; /** An admin who may answer, for the hint. */ approver?: string }): string {
  const lines: string[] = [];
  if (r.recovered?.reply) lines.push(`(finishing your previous request) ${r.recovered.reply}`, '');
  lines.push(r.reply);
  // A refusal is about the click that was refused; it does not invite another.
  for (const a of r.refused ? [] : r.approvals.filter((x) => x.status === 'pending')) {
    const example = opts.approver ? `, e.g. ${opts.repl ? '/as' : '--as'} ${opts.approver}` : '';
    const who = a.required === 'requester' ? 'only you, the requester' : `an IT admin other than the requester${example}`;
    lines.push(
      opts.repl
        ? `   → answer with: /approve ${a.id}  or  /deny ${a.id}   (${who})`
        : `   → approve: npm run -s cli -- --as <user> --approve ${a.id}   deny: --deny ${a.id}   (${who})`,
    );
  }
  if (!opts.repl && r.thread && !r.refused) lines.push(`   (thread ${r.thread}: continue with --thread ${r.thread})`);
  return lines.join('\n');
}
