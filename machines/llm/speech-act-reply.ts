import { describeCall } from '../../tools/registry';
import type { DialogueState, Plan } from '../types';
import type { ProposeRequest } from './provider';
import type { Action, SpeechAct } from './speech-act';

// How the offline planner answers a message that asks for nothing to run (machines/llm/speech-act.ts says
// which): a plain answer, an offer that the thread's next "yes" accepts, or a question. Never a proposal:
// whatever runs needs a request, or a yes to an offer.

const EXPLAINED: Record<Action, string> = {
  wipe:
    'A wipe erases everything on the device and resets it to factory settings; it cannot be undone. It is for a lost or stolen device that will not be recovered (lock it first). It never runs straight away: an employee\'s wipe waits for an IT admin\'s approval, and an IT admin confirms their own. To ask for one, say "wipe my laptop" (or name the device, like LAPTOP-NAME-01).',
  lock: 'Locking a device shows its lock screen at once and signs its user out; nothing is erased, and it is unlocked with the account password (a restart of a locked device unlocks it, so that needs an IT admin\'s approval). It is the first step for a lost laptop.',
  restart: 'A restart closes every app on the device (unsaved work may be lost) and takes a few minutes; nothing is erased. Restarting a device locked as lost or stolen unlocks it, so that needs an IT admin\'s approval.',
  password: 'A password reset sends a reset link to the account\'s email; the old password stops working once a new one is set, and the link expires after a while.',
  access: 'Access is asked for per system, level (read, write or admin) and duration (at most 72 hours); it ends by itself when it expires. Access for yourself needs an IT admin\'s approval.',
};

const ASK_FOR: Record<Action, string> = {
  wipe: '"wipe my laptop"',
  lock: '"lock my laptop"',
  restart: '"restart my laptop"',
  password: '"reset my password"',
  access: '"I need read access to github for 8 hours"',
};

const REVOKE_ANSWER = "I can't take access away: I have no tool for that.";

export interface SpeechReplyContext {
  req: ProposeRequest;
  /** Plans another message in this thread (the corrected request, or what an offer would do). */
  plan: (message: string) => Plan;
}

/** The thread's memory as it was. */
const kept = (req: ProposeRequest): DialogueState | null => req.dialogue ?? null;

/**
 * `request`, planned, as an offer: "Do you want me to restart LAPTOP-ALICE-01? (yes / no)", its one call
 * waiting for the thread's "yes". Null when it would not plan to exactly one action without a question.
 */
function offer(request: string, ctx: SpeechReplyContext): Plan | null {
  return offerPlanned(ctx.plan(request), ctx.req);
}

/** A plan of exactly one action (not a wipe), as an offer its thread's "yes" accepts; null otherwise. */
export function offerPlanned(planned: Plan, req: ProposeRequest): Plan | null {
  const ctx = { req };
  const [c] = planned.calls;
  // A note beside the one call ("if it can't be recovered, it can be wiped") is fine; a question is not.
  if (planned.calls.length !== 1 || !c || planned.text?.includes('?')) return null;
  const args = JSON.parse(c.arguments) as Record<string, string | number | boolean>;
  // A wipe is not offered on a yes: it is asked for in words.
  if (c.name === 'execute_remote_command' && args.command === 'wipe') return null;
  if (!['execute_remote_command', 'reset_password', 'provision_access'].includes(c.name)) return null;
  const what = describeCall(c.name, args);
  if (!what) return null;
  const { lastRequest: _drop, ...memory } = planned.dialogue ?? {};
  const lastRequest = ctx.req.dialogue?.lastRequest;
  return {
    text: `Do you want me to ${what}? (yes / no)`,
    calls: [],
    dialogue: { ...memory, ...(lastRequest ? { lastRequest } : {}), pending: { tool: c.name, args, missing: ['confirm'] }, offer: undefined },
  };
}

const withOffer = (text: string, request: string | null, ctx: SpeechReplyContext, action: Action): Plan => {
  const offered = request ? offer(request, ctx) : null;
  if (offered) return { ...offered, text: `${text} ${offered.text}` };
  return { text: action === 'wipe' || !request ? text : `${text} If you want it done, say so, e.g. ${ASK_FOR[action]}.`, calls: [], dialogue: kept(ctx.req) };
};

/**
 * "no wait, make that the intern" after `earlier` was handled: what became of the earlier request, said
 * plainly, since the correction does not undo it. `lastReply` is Sentinel's answer to it.
 */
export function earlierRequestStands(earlier: string, lastReply: string | undefined): string {
  const quoted = `"${earlier.slice(0, 80)}"`;
  const reply = lastReply ?? '';
  if (/\brequest apr_[a-z0-9]+/i.test(reply) && /⏳|needs approval|confirm/i.test(reply) && !/✅/.test(reply)) {
    return `Your earlier request (${quoted}) is still waiting for approval and stays so: say "cancel that" to withdraw it.`;
  }
  if (reply.trim() && reply.split('\n').every((line) => /^(?:✋|🚫)/.test(line.trim()) || !line.trim())) {
    return `Your earlier request (${quoted}) was not done (see my answer above).`;
  }
  const text = earlier.toLowerCase();
  const undo = /\b(?:access|permissions?|rights|admin)\b/.test(text)
    ? `${REVOKE_ANSWER} That access ends by itself when it expires, and an IT admin can remove it sooner: say "remove my access" and I'll offer a ticket asking IT to.`
    : /\block\b/.test(text)
      ? "I can't unlock a device either: say \"unlock my laptop\" and I'll offer a ticket asking IT to."
      : /\b(?:wipe|erase)\b/.test(text)
        ? 'A wipe cannot be undone.'
        : /\b(?:pass ?word|reset)\b/.test(text)
          ? 'The reset link already went out; it expires by itself if nobody uses it.'
          : "I can't undo it.";
  return `Your earlier request (${quoted}) already went ahead as shown above, and I haven't undone it: ${undo}`;
}

/** The plan for a message that is not a plain request; null for a request (planned as usual). */
export function replyToSpeechAct(act: SpeechAct, ctx: SpeechReplyContext): Plan | null {
  const { req } = ctx;
  switch (act.act) {
    case 'request': {
      // "remove alice's vpn access" → (no revoke tool) → "admin for 4 hours": not a grant to fill in.
      const last = [...req.history].reverse().find((m) => m.role === 'assistant');
      const fragment = /^(?:(?:read|write|admin|read[- ]only)\b|(?:for\s+)?(?:\d+|an?|one|two|four|eight)\s*(?:h|hrs?|hours?|days?)\b)/i.test(req.message.trim());
      if (last?.content.startsWith(REVOKE_ANSWER) && fragment) {
        // The ticket offer is dropped: a "yes" now would file this fragment.
        return {
          text: `Nothing is waiting for a level or a duration: I can't take access away, so there is nothing to fill in. To ask for access, say e.g. ${ASK_FOR.access}; to have IT remove it, ask me for a ticket.`,
          calls: [],
          dialogue: { ...(kept(req) ?? {}), offer: undefined },
        };
      }
      return null;
    }
    case 'corrected':
      return ctx.plan(act.message);
    case 'unclear-correction':
      return { text: "I'm not sure what you want after the correction, so I haven't done anything. Could you say the request again in one go?", calls: [], dialogue: kept(req) };
    case 'retracted':
      return { text: "OK, I won't do that. Anything else I can help with?", calls: [], dialogue: kept(req) };
    case 'revocation': {
      // Just asked for in this thread and still waiting: "I no longer need it" withdraws that request.
      const last = [...req.history].reverse().find((m) => m.role === 'assistant');
      if (last && /\(request apr_[a-z0-9]+/i.test(last.content) && /\baccess\b/i.test(last.content)) return { text: null, calls: [], withdraw: true, dialogue: null };
      return {
        text: `${REVOKE_ANSWER} Access granted through me ends by itself when it expires ("what access do I have?" shows when), and an IT admin can remove it sooner in the access system. Shall I open a ticket asking IT to remove it? (yes / no)`,
        calls: [],
        dialogue: { ...(kept(req) ?? {}), pending: undefined, offer: 'ticket' },
      };
    }
    case 'unlock':
      return {
        text: "I can't unlock a device: a laptop you locked yourself opens with your password, and one locked remotely is unlocked by IT. Shall I open a ticket asking IT to unlock it? (yes / no)",
        calls: [],
        dialogue: { ...(kept(req) ?? {}), pending: undefined, offer: 'ticket' },
      };
    case 'declined':
      return {
        text: act.resolved ? "Good to hear it's sorted; I haven't done anything. Anything else I can help with?" : "OK, I'll leave it: I haven't done anything. Anything else I can help with?",
        calls: [],
        dialogue: kept(req),
      };
    case 'relayed': {
      const text = `I can't send messages to people for you: you'll need to tell ${act.to} yourself.`;
      const offered = offer(act.request, ctx);
      return offered ? { ...offered, text: `${text} ${offered.text}` } : { text: `${text} If you want me to do it myself, ask me directly (e.g. "${act.request}").`, calls: [], dialogue: kept(req) };
    }
    case 'quoted':
      return {
        text: `Whose ${act.thing} do you mean: ${act.speaker}'s or yours? The "my" in what ${act.speaker} said is ${act.speaker}'s. Say "${act.verb} ${act.speaker}'s ${act.thing}" or "${act.verb} my ${act.thing}".`,
        calls: [],
        dialogue: kept(req),
      };
    case 'either':
      return { text: "Which one do you mean? I won't pick for you: name one person or device (for example \"restart my laptop\").", calls: [], dialogue: kept(req) };
    case 'bulk':
      return {
        text: "I act on one named person or device at a time, so I won't do that for a whole group. Whose do you mean? Tell me a name, email or device id (for many at once, I can open a ticket for IT).",
        calls: [],
        dialogue: kept(req),
      };
    case 'joke':
      return { text: 'OK — nothing done. If you do want it, ask me plainly.', calls: [], dialogue: kept(req) };
    case 'future':
      return {
        text: "I act only now, and I can't schedule anything or remind you later, so I haven't done anything. Ask me when you need it.",
        calls: [],
        dialogue: kept(req),
      };
    case 'conditional': {
      const text = "I can't wait for a condition or check it later, so I haven't done the part that depends on one. When you want it done, ask me plainly (e.g. \"restart my laptop\").";
      // The plain part ("my laptop is slow") is planned as usual; the conditional action never is.
      const planned = act.rest ? ctx.plan(act.rest) : null;
      if (planned && !planned.text?.includes('?')) return { ...planned, text: [planned.text, text].filter(Boolean).join(' ') };
      return { text, calls: [], dialogue: kept(req) };
    }
    case 'again': {
      // The thread's last request, offered for a yes (never run straight from one word); nothing to repeat: asked.
      const last = req.dialogue?.lastRequest;
      const offered = last ? offer(last, ctx) : null;
      if (offered) return offered;
      return { text: 'What should I do again? Tell me the request in words (e.g. "restart my laptop").', calls: [], dialogue: kept(req) };
    }
    case 'mixed': {
      // The request planned as usual; each question answered, nothing offered.
      const planned = ctx.plan(act.request);
      const answers = [...new Set(act.questions.map((q) => EXPLAINED[q.action]))];
      return { ...planned, text: [planned.text, ...answers].filter(Boolean).join(' ') };
    }
    case 'question': {
      if (act.kind === 'past') {
        const text = "I can't look up past actions from here. Everything I do is recorded in Sentinel's audit log, which an IT admin can check (and your own requests show under \"what access do I have?\" and \"my open tickets\").";
        return withOffer(text, act.request, ctx, act.action);
      }
      return withOffer(EXPLAINED[act.action], act.kind === 'explain' ? null : act.request, ctx, act.action);
    }
  }
}
