import type { Actor } from '../../policies/types';

/** `<@U123>` or `<@U123|label>`: how Slack delivers "@alice" in a message's text. */
const USER_MENTION = /<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>/g;

/** More mentions than this in one message are left as they are (and the planner asks about them). */
const MAX_RESOLVED = 10;

/**
 * Writes each Slack user mention as the directory email of the person it names, so "reset the password
 * for <@U0ALICE>" reaches the planner as "… for alice@example.com" and resolves exactly. The person is
 * found the same way as a sender is (`actorFor`: Slack's vouched email, full members only), never from
 * the mention's label, which is a display name anyone can set. A mention that does not map to a
 * directory person (a guest account, a stranger, a bot, Slack unreachable) stays as it is: the planner
 * then asks who is meant instead of guessing.
 */
export async function withUserMentionsResolved(text: string, actorFor: (slackUserId: string) => Promise<Actor>): Promise<string> {
  const ids = [...new Set([...text.matchAll(USER_MENTION)].map((m) => m[1]!))].slice(0, MAX_RESOLVED);
  if (!ids.length) return text;
  const emails = new Map<string, string>();
  for (const id of ids) {
    const actor = await actorFor(id);
    if (actor.email && !actor.id.startsWith('slack:')) emails.set(id, actor.email);
  }
  return text.replace(USER_MENTION, (whole, id: string) => emails.get(id) ?? whole);
}
