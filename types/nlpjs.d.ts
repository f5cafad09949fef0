// NLP.js ships JavaScript only; these are the few calls Sentinel makes (machines/llm/intent-classifier.ts).
declare module '@nlpjs/core' {
  export function containerBootstrap(): Promise<{ use(plugin: unknown): void }>;
}
declare module '@nlpjs/lang-en-min' {
  export const LangEn: unknown;
}
declare module '@nlpjs/nlp' {
  export class Nlp {
    constructor(settings: Record<string, unknown>, container?: unknown);
    addDocument(lang: string, utterance: string, intent: string): void;
    train(): Promise<void>;
    process(lang: string, utterance: string): Promise<{ intent: string; score: number }>;
  }
}
