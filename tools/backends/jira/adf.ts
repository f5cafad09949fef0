// Atlassian Document Format (ADF), the only form Jira Cloud's v3 API takes a description in: a `doc`
// of block nodes (paragraph, heading) holding inline nodes (text, hardBreak); a link is a text node with
// a `link` mark. Jira refuses empty text nodes, so blank lines become paragraph breaks, never empty text.

export interface AdfText {
  type: 'text';
  text: string;
  marks?: Array<{ type: 'link'; attrs: { href: string } } | { type: 'strong' }>;
}
export type AdfInline = AdfText | { type: 'hardBreak' };
export type AdfBlock = { type: 'paragraph'; content: AdfInline[] } | { type: 'heading'; attrs: { level: number }; content: AdfInline[] };
export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfBlock[];
}

const URL_RE = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;

/** A line of text as inline nodes, its URLs as links. */
function inline(line: string): AdfText[] {
  const out: AdfText[] = [];
  let last = 0;
  for (const m of line.matchAll(URL_RE)) {
    if (m.index! > last) out.push({ type: 'text', text: line.slice(last, m.index) });
    out.push({ type: 'text', text: m[0], marks: [{ type: 'link', attrs: { href: m[0] } }] });
    last = m.index! + m[0].length;
  }
  if (last < line.length) out.push({ type: 'text', text: line.slice(last) });
  return out;
}

/** Plain text as paragraphs: a blank line separates paragraphs, a newline is a hard break. */
export function paragraphs(text: string): AdfBlock[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((para) => para.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== ''))
    .filter((lines) => lines.length > 0)
    .map((lines) => ({
      type: 'paragraph' as const,
      content: lines.flatMap((l, i) => (i === 0 ? inline(l) : [{ type: 'hardBreak' as const }, ...inline(l)])),
    }));
}

export const heading = (text: string, level = 3): AdfBlock => ({ type: 'heading', attrs: { level }, content: [{ type: 'text', text }] });

export const link = (label: string, href: string, before = ''): AdfBlock => ({
  type: 'paragraph',
  content: [...(before ? [{ type: 'text' as const, text: before }] : []), { type: 'text', text: label, marks: [{ type: 'link', attrs: { href } }] }],
});

export const doc = (content: AdfBlock[]): AdfDoc => ({ type: 'doc', version: 1, content });

/** The text of any ADF value (what Jira returns for descriptions and comments), paragraphs on their own lines. */
export function plainText(node: unknown): string {
  if (!node || typeof node !== 'object') return typeof node === 'string' ? node : '';
  const n = node as { type?: string; text?: unknown; content?: unknown };
  if (n.type === 'text') return typeof n.text === 'string' ? n.text : '';
  if (n.type === 'hardBreak') return '\n';
  const inner = Array.isArray(n.content) ? n.content.map(plainText) : [];
  if (n.type === 'doc' || n.type === 'bulletList' || n.type === 'orderedList') return inner.join('\n').trim();
  return inner.join('');
}
