import type { TicketThread } from '../types';
import { doc, heading, link, paragraphs, type AdfDoc } from './adf';

// What a Jira issue opened by Sentinel says: the requester's words, the conversation that led to it
// (the tool appends it after this separator), whom it is for, and a link back to the Slack thread.

const TRANSCRIPT_SEPARATOR = /\n*-{3} Conversation with Sentinel -{3}\n/;
/** Jira refuses a description over 32,767 characters; the conversation gives way first (its end is kept). */
const MAX_OWN = 8_000;
const MAX_TRANSCRIPT = 20_000;

const tail = (text: string, max: number) => (text.length <= max ? text : `[… earlier messages left out]\n${text.slice(text.length - max).replace(/^[^\n]*\n/, '')}`);
const head = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)} […]`);

/**
 * `priority`: said in words, for a project whose create screen has no priority field. `thread`: where the
 * request was made, a link when it has a URL (a Slack permalink), else in words.
 */
export function describeIssue(input: { description: string; requester: string; thread?: TicketThread; priority?: string }): AdfDoc {
  const m = TRANSCRIPT_SEPARATOR.exec(input.description);
  const own = m ? input.description.slice(0, m.index) : input.description;
  const transcript = m ? input.description.slice(m.index + m[0].length) : undefined;
  const blocks = paragraphs(head(own, MAX_OWN));
  if (transcript?.trim()) blocks.push(heading('Conversation with Sentinel'), ...paragraphs(tail(transcript, MAX_TRANSCRIPT)));
  blocks.push(...paragraphs(`Opened by Sentinel for ${input.requester}.${input.priority ? ` Priority: ${input.priority}.` : ''}`));
  const thread = input.thread;
  if (thread?.url) blocks.push(link(thread.text.trim() || thread.url, thread.url, 'Conversation: '));
  else if (thread?.text.trim()) blocks.push(...paragraphs(`Conversation: ${thread.text.trim()}.`));
  return doc(blocks);
}
