import fs from 'node:fs';
import path from 'node:path';
import { containerBootstrap } from '@nlpjs/core';
import { LangEn } from '@nlpjs/lang-en-min';
import { Nlp } from '@nlpjs/nlp';
import { tools } from '../../tools/registry';

// A trained intent classifier (NLP.js) for messages the planner's rules do not understand. It learns at
// start-up, in well under a second and with no download, from data in the repository: each tool's own
// examples and the learning half of the evaluation corpus (eval/train.json; eval/test.json is never read).

export interface IntentGuess {
  intent: string;
  score: number;
}

/** Below this the guess is ignored and the planner says it did not understand. */
export const MIN_SCORE = 0.85;

const TRAIN_FILE = path.join(__dirname, '..', '..', 'eval', 'train.json');

interface Example {
  text: string;
  intent: string;
}

/** The examples: one intent per utterance (several-request utterances teach nothing about one intent). */
export function trainingExamples(corpusFile = TRAIN_FILE): Example[] {
  const out: Example[] = tools.flatMap((t) => t.examples.map((text) => ({ text, intent: t.name })));
  let corpus: Array<{ turns: Array<{ say: string; expect: { tools?: Array<{ tool: string }>; none?: boolean; cancels?: boolean } }> }> = [];
  try {
    corpus = JSON.parse(fs.readFileSync(corpusFile, 'utf8'));
  } catch {
    // Without the corpus the tools' own examples still teach every tool.
  }
  for (const c of corpus) {
    // A follow-up ("mine", "alice", "yes") means what it means only after the question before it, and would
    // teach the classifier that "mine" is a password reset: only opening messages count, and cancellations.
    for (const [i, t] of c.turns.entries()) {
      const e = t.expect;
      if (i > 0 && !e.cancels) continue;
      const intent = e.tools?.length === 1 ? e.tools[0]!.tool : e.none ? 'none' : e.cancels ? 'cancel' : null;
      if (intent) out.push({ text: t.say, intent });
    }
  }
  return out;
}

export async function trainIntentClassifier(examples: Example[] = trainingExamples()): Promise<(text: string) => Promise<IntentGuess>> {
  const container = await containerBootstrap();
  container.use(LangEn);
  // Quiet (NLP.js logs every training epoch to the console by default) and nothing written to disk.
  const nlp = new Nlp({ languages: ['en'], autoSave: false, autoLoad: false, log: false, nlu: { log: false } }, container);
  for (const e of examples) nlp.addDocument('en', e.text, e.intent);
  await nlp.train();
  return async (text) => {
    const r = await nlp.process('en', text.slice(0, 1000));
    return { intent: r.intent, score: r.score };
  };
}

let shared: Promise<(text: string) => Promise<IntentGuess>> | null = null;

/** The classifier, trained once per process on first use. */
export function classifyIntent(text: string): Promise<IntentGuess> {
  shared ??= trainIntentClassifier();
  return shared.then((classify) => classify(text));
}
