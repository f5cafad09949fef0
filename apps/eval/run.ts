import fs from 'node:fs';
import { valueOr } from '../../tools/backends/types';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { pendingApprovals } from '../../db/approvals';
import { devices, directory, tickets } from '../../db/schema';
import { APOLOGY } from '../../machines/agent';
import type { LlmProvider } from '../../machines/llm/provider';
import { createSentinel } from '../sentinel';
import { CorpusError, type Corpus } from './corpus';
import type { Owners, TurnRecord } from './score';

export interface RunOptions {
  config: Config;
  logger: Logger;
  /** Replaces the configured provider (tests use a scripted one). */
  llm?: LlmProvider;
  /** Called after each case, for progress on stderr. */
  onCase?: (done: number, total: number) => void;
}

export interface RunResult {
  llm: string;
  records: TurnRecord[];
  owners: Owners;
}

/** Who owns what in the directory the run uses: user ids and emails, device ids, ticket ids. */
function readOwners(s: ReturnType<typeof createSentinel>): Owners {
  const db = s.database.db;
  const owners: Owners = {};
  for (const u of db.select().from(directory).all()) {
    owners[u.id.toLowerCase()] = u.id.toLowerCase();
    owners[u.email.toLowerCase()] = u.id.toLowerCase();
  }
  for (const d of db.select().from(devices).all()) owners[d.id.toLowerCase()] = d.owner.toLowerCase();
  for (const t of db.select().from(tickets).all()) owners[`it-${t.number}`] = t.requester.toLowerCase();
  return owners;
}

/**
 * Sends every case through the real machine: each case on its own fresh SQLite file (seeded with the
 * configured directory, so no case sees what an earlier one did), in its own thread, each turn as the
 * case's persona. Cases run one after another. Throws CorpusError for a persona the directory lacks.
 */
export async function runCorpus(corpus: Corpus, opts: RunOptions): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-eval-'));
  const open = (name: string) => createSentinel({ ...opts.config, dbPath: path.join(dir, name) }, opts.logger, { llm: opts.llm });
  try {
    const probe = open('directory.db');
    let owners: Owners;
    let llm: string;
    try {
      owners = readOwners(probe);
      llm = probe.llm.name;
      for (const [i, c] of corpus.entries()) {
        if (!valueOr(await probe.backends.directory.find(c.as), null)) throw new CorpusError(`case "${c.id}" (#${i + 1}) as: no user "${c.as}" in the directory`);
      }
    } finally {
      await probe.close();
    }

    const records: TurnRecord[] = [];
    for (const [i, c] of corpus.entries()) {
      const file = `case-${i}.db`;
      const s = open(file);
      try {
        const actor = await s.identify(c.as);
        const thread = `eval-${c.id}`;
        for (const [t, turn] of c.turns.entries()) {
          const r = await s.runner.handleMessage(thread, actor, turn.say);
          records.push({
            case: c.id,
            turn: t + 1,
            as: c.as,
            said: turn.say,
            tags: c.tags ?? [],
            expect: turn.expect,
            got: {
              proposals: r.proposals.map(({ tool, args }) => ({ tool, args })),
              reply: r.reply,
              pendingApprovals: pendingApprovals(s.database.db, thread).length,
              ...(r.reply === APOLOGY ? { apology: true } : {}),
            },
          });
        }
      } finally {
        await s.close();
        for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(dir, file + suffix), { force: true });
      }
      opts.onCase?.(i + 1, corpus.length);
    }
    return { llm, records, owners };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
