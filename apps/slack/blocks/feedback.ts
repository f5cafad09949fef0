import type { types } from '@slack/bolt';

export const FEEDBACK_ACTION = 'sentinel_feedback';
export const FEEDBACK_UP = 'up';
export const FEEDBACK_DOWN = 'down';
/** Slack's limit for a section's text. */
const SECTION_TEXT = 3000;
/** Slack allows 50 blocks in a message; the reply's text never needs more than 13 sections (39,000 characters). */
const MAX_SECTIONS = 40;

/** Splits mrkdwn into section-sized pieces, at a line break when there is one. */
function pieces(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > SECTION_TEXT && out.length < MAX_SECTIONS - 1) {
    const cut = rest.lastIndexOf('\n', SECTION_TEXT);
    const at = cut > SECTION_TEXT / 2 ? cut : SECTION_TEXT;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^\n/, '');
  }
  out.push(rest.slice(0, SECTION_TEXT));
  return out.filter((p) => p.trim().length);
}

/**
 * The final message of a turn as blocks: its text (a message with blocks shows them, not `text`), then
 * Slack's 👍/👎 feedback buttons (a `context_actions` block with a `feedback_buttons` element).
 */
export function replyWithFeedback(mrkdwn: string): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = pieces(mrkdwn).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
  blocks.push({
    type: 'context_actions',
    elements: [
      {
        type: 'feedback_buttons',
        action_id: FEEDBACK_ACTION,
        positive_button: { text: { type: 'plain_text', text: '👍' }, value: FEEDBACK_UP, accessibility_label: 'This answer helped' },
        negative_button: { text: { type: 'plain_text', text: '👎' }, value: FEEDBACK_DOWN, accessibility_label: 'This answer did not help' },
      },
    ],
  });
  return blocks;
}
