import fs from 'node:fs';
import { z } from 'zod';

// The evaluation corpus: labelled conversations, each sent as one directory user in its own thread.
// eval/README.md documents the format; this schema is its single definition.

const ExpectedCallSchema = z
  .object({
    tool: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a tool name such as reset_password'),
    /** Only the arguments that matter, with their exact values; others are not compared. */
    args: z.record(z.unknown()).default({}),
  })
  .strict();

const TargetSchema = z.union([z.string().trim().min(1), z.array(z.string().trim().min(1)).min(1)]);

const KINDS = ['tools', 'none', 'clarify', 'cancels'] as const;

export const ExpectationSchema = z
  .object({
    tools: z.array(ExpectedCallSchema).min(1).optional(),
    none: z.literal(true).optional(),
    clarify: z.literal(true).optional(),
    cancels: z.literal(true).optional(),
    /** Who or what the request is about (directory user id or email, device id, ticket id, or a name nobody has). */
    target: TargetSchema.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const given = KINDS.filter((k) => e[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `needs exactly one of ${KINDS.join(', ')} (got ${given.length ? given.join(', ') : 'none of them'})` });
    }
  });

const TurnSchema = z.object({ say: z.string().trim().min(1).max(4000), expect: ExpectationSchema }).strict();

const CaseSchema = z
  .object({
    id: z.string().trim().min(1).max(100),
    as: z.string().trim().min(1).max(254),
    turns: z.array(TurnSchema).min(1).max(10),
    tags: z.array(z.string().trim().min(1).max(40)).optional(),
  })
  .strict();

export const CorpusSchema = z.array(CaseSchema).superRefine((cases, ctx) => {
  const seen = new Set<string>();
  cases.forEach((c, i) => {
    if (seen.has(c.id)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'id'], message: `duplicate id "${c.id}"` });
    seen.add(c.id);
  });
});

export type ExpectedCall = z.infer<typeof ExpectedCallSchema>;
export type Expectation = z.infer<typeof ExpectationSchema>;
export type EvalCase = z.infer<typeof CaseSchema>;
export type Corpus = z.infer<typeof CorpusSchema>;

/** A corpus file that cannot be used; the message names the file, the case and the field. */
export class CorpusError extends Error {}

/** `turns[0].expect.tools[1].tool` from a zod path below a case. */
function fieldPath(path: Array<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(the case)';
}

function caseName(raw: unknown, index: number): string {
  const id = Array.isArray(raw) ? (raw[index] as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' && id.trim() ? `case "${id}" (#${index + 1})` : `case #${index + 1}`;
}

/** Validates parsed JSON as a corpus; throws CorpusError naming the first few problems. */
export function parseCorpus(raw: unknown, source: string): Corpus {
  const parsed = CorpusSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.slice(0, 5).map((issue) => {
    const [index, ...rest] = issue.path;
    if (typeof index !== 'number') return `  ${issue.message} (the file must hold a JSON array of cases)`;
    return `  ${caseName(raw, index)} ${fieldPath(rest)}: ${issue.message}`;
  });
  const more = parsed.error.issues.length > 5 ? `\n  … and ${parsed.error.issues.length - 5} more` : '';
  throw new CorpusError(`${source}: not a valid eval corpus:\n${lines.join('\n')}${more}`);
}

export function readCorpus(file: string): Corpus {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CorpusError(`${file}: cannot read the corpus (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CorpusError(`${file}: not JSON (${(err as Error).message})`);
  }
  return parseCorpus(raw, file);
}

