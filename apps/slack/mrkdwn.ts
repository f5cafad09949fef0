/**
 * Makes text safe to post as Slack mrkdwn: `&`, `<` and `>` are the only control characters, so
 * escaping them turns `<!channel>`, `<@U…>` and `<http://…|label>` written by a user or the LLM into
 * plain text.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack rejects message text over 40,000 characters and block text over 3,000: trim with a marker. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Removes mentions of the bot from a message, so "<@UBOT> reset my password" reads "reset my password". */
export function withoutMention(text: string, botUserId: string | undefined): string {
  if (!botUserId) return text.trim();
  return text.split(`<@${botUserId}>`).join(' ').replace(/[ \t]+/g, ' ').trim();
}
