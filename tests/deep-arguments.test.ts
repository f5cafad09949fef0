import { call, openSentinel, scriptedLlm } from './support/harness';

// 3,000 nested arrays (6 KB, well under the 16 KB argument limit) used to overflow the stack while the
// arguments were serialized, and the whole turn vanished: nothing decided, audited or answered.
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('deeply nested tool arguments from the LLM', () => {
  test('are denied with a reason while the other calls of the turn run, and every proposal is audited once', async () => {
    const deep = { name: 'run_device_diagnostic', arguments: `{"device_id":${nested(3000)}}` };
    const valid = call('run_device_diagnostic', { device_id: 'LAPTOP-ALICE-01' });
    const llm = scriptedLlm([{ text: null, calls: [deep, valid] }]);
    const s = openSentinel({ llm: llm.provider });
    try {
      const r = await s.runner.handleMessage('deep', await s.identify('alice'), 'my laptop is slow');
      expect(r.proposals.map((p) => p.decision)).toEqual(['deny', 'allow']);
      expect(r.proposals[0]!.reason).toMatch(/nested more than 32 levels/);
      expect(r.executed).toEqual([expect.objectContaining({ tool: 'run_device_diagnostic', args: { device_id: 'LAPTOP-ALICE-01' }, ok: true })]);

      const decided = s.database.sqlite.prepare("select data from audit where kind = 'proposal_decided' order by seq").all() as Array<{ data: string }>;
      const entries = decided.map((d) => JSON.parse(d.data) as { idx: number; decision: string; rule: string });
      expect(entries.map((e) => [e.idx, e.decision, e.rule])).toEqual([
        [0, 'deny', 'invalid-arguments'],
        [1, 'allow', expect.any(String)],
      ]);
    } finally {
      await s.close();
    }
  });

  test('just inside the bound still reach schema validation (denied as invalid, not as too deep)', async () => {
    // 31 arrays inside the top-level object: 32 levels in all.
    const llm = scriptedLlm([{ text: null, calls: [{ name: 'run_device_diagnostic', arguments: `{"device_id":${nested(31)}}` }] }]);
    const s = openSentinel({ llm: llm.provider });
    try {
      const r = await s.runner.handleMessage('edge', await s.identify('alice'), 'my laptop is slow');
      expect(r.proposals[0]).toMatchObject({ decision: 'deny', reason: expect.stringMatching(/arguments are invalid/) });
    } finally {
      await s.close();
    }
  });
});
