/** One Slack thread is one conversation: team + channel + the thread's root ts. */
export interface SlackThread {
  team: string;
  channel: string;
  threadTs: string;
}

const PREFIX = 'slack:';

export function conversationKey(t: SlackThread): string {
  return `${PREFIX}${t.team}:${t.channel}:${t.threadTs}`;
}

/** The thread a conversation lives in, or null for conversations from another transport (the CLI). */
export function threadOf(conversationId: string): SlackThread | null {
  if (!conversationId.startsWith(PREFIX)) return null;
  const [team, channel, threadTs, ...rest] = conversationId.slice(PREFIX.length).split(':');
  if (!team || !channel || !threadTs || rest.length) return null;
  return { team, channel, threadTs };
}
