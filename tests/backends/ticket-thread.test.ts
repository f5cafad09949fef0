import { conversationThread } from '../../tools/create-support-ticket';
import { describeIssue } from '../../tools/backends/jira/description';
import { adfProblem } from '../support/jira-server';

// Where a ticket was asked for, as create_support_ticket hands it to the Tickets backend, and how the
// Jira description shows it.

test('a Slack conversation is its permalink when the URL of its workspace is known, else its channel and thread in words; the CLI is its thread name', () => {
  const id = 'slack:T0TEAM:C0HELP:1764748800.123456';
  const acme = (url: string) => ({ team: 'T0TEAM', url });
  expect(conversationThread(id, acme('https://acme.slack.com/'))).toEqual({ text: 'the Slack thread', url: 'https://acme.slack.com/archives/C0HELP/p1764748800123456' });
  expect(conversationThread(id, acme('https://acme.enterprise.slack.com'))).toMatchObject({ url: 'https://acme.enterprise.slack.com/archives/C0HELP/p1764748800123456' });
  const words = conversationThread(id);
  expect(words).toEqual({ text: 'the Slack thread in channel C0HELP of workspace T0TEAM, started 2025-12-03T08:00:00Z (thread ts 1764748800.123456)' });
  // Nothing but a Slack workspace URL makes a link.
  expect(conversationThread(id, acme('https://evil.example.com'))).toEqual(words);
  // A thread of another team (a channel shared with it) is not in this workspace: no link into the wrong one.
  expect(conversationThread(id, { team: 'T0OTHER', url: 'https://acme.slack.com/' })).toEqual(words);
  expect(conversationThread('t-ticket')).toEqual({ text: 'Sentinel CLI thread "t-ticket"' });
});

test('Jira: a thread with a URL is a link, one without is said in words, and the document stays valid', () => {
  const linked = describeIssue({ description: 'Printer jam.', requester: 'alice', thread: { text: 'the Slack thread', url: 'https://acme.slack.com/archives/C0HELP/p1764748800123456' } });
  expect(adfProblem(linked)).toBeNull();
  expect(linked.content.at(-1)).toEqual({
    type: 'paragraph',
    content: [
      { type: 'text', text: 'Conversation: ' },
      { type: 'text', text: 'the Slack thread', marks: [{ type: 'link', attrs: { href: 'https://acme.slack.com/archives/C0HELP/p1764748800123456' } }] },
    ],
  });
  const said = describeIssue({ description: 'Printer jam.', requester: 'alice', thread: { text: 'Sentinel CLI thread "t-1"' } });
  expect(adfProblem(said)).toBeNull();
  expect(said.content.at(-1)).toEqual({ type: 'paragraph', content: [{ type: 'text', text: 'Conversation: Sentinel CLI thread "t-1".' }] });
  expect(describeIssue({ description: 'Printer jam.', requester: 'alice' }).content).toHaveLength(2);
});
