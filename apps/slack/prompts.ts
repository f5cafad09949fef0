import type { Role } from '../../policies/types';

/** A suggested prompt: the button's title, and the message it sends when clicked. */
export interface SuggestedPrompt {
  title: string;
  message: string;
}

/** Slack shows at most four. */
export const MAX_PROMPTS = 4;

const RESET = { title: 'Reset my password', message: 'Reset my password' };
const SLOW = { title: 'My laptop is slow', message: 'My laptop is slow, can you check it?' };
const ACCESS = { title: 'Request access', message: 'I need read access to github for 8 hours' };
const TICKETS = { title: 'My tickets', message: 'What tickets do I have open?' };
const QUEUE = { title: 'Waiting for my approval', message: 'What is waiting for my approval?' };

/**
 * What each role is offered: only requests the planner understands and policy lets that role make, so
 * a click never ends in "I can't". IT admins see their approval queue first; guests may only check
 * their own tickets. (The manifest's static prompts are the employee set.)
 */
const BY_ROLE: Record<Role, SuggestedPrompt[]> = {
  admin: [QUEUE, RESET, SLOW, TICKETS],
  employee: [RESET, SLOW, ACCESS, TICKETS],
  guest: [TICKETS],
};

export function promptsFor(role: Role): SuggestedPrompt[] {
  return BY_ROLE[role].slice(0, MAX_PROMPTS);
}

export const PROMPTS_TITLE = 'What can I help with?';
