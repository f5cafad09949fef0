import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { canonicalEmail, sameEmail } from '../../policies/email';
import type { Actor } from '../../policies/types';
import { valueOr, type Backends, type DirectoryUser } from '../../tools/backends/types';

/** What `users.info` tells us that bears on rights. */
interface SlackUser {
  id?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_stranger?: boolean;
  profile?: { email?: string };
}

interface Cached<T> {
  value: T;
  until: number;
}

const MAX_ENTRIES = 10_000;

/**
 * Slack user id → `users.info` → directory user (by the profile's email) → role. Identity comes only
 * from the authenticated user id in the payload, never from message text or display names.
 * - a Slack guest account (`is_restricted`, `is_ultra_restricted`) is the directory user only when the
 *   directory also says guest; otherwise it is a least-privilege stranger under its own id, so it can
 *   never answer, withdraw or see what belongs to the member whose email it carries;
 * - people from another workspace (`is_stranger`), deleted users, bots, unknown or non-ASCII emails get
 *   least privilege under an id that cannot collide with a directory id.
 * Slack's answers are cached for `ttlMs`; the directory is read on every call, so a role change or a
 * deactivation there applies to the next message or click.
 */
export class SlackIdentity {
  private readonly slackUsers = new Map<string, Cached<SlackUser | null>>();
  private readonly slackIds = new Map<string, Cached<string | null>>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly directory: Backends['directory'],
    private readonly opts: { ttlMs: number; now: () => number; logger: Logger },
  ) {}

  async actorFor(slackUserId: string): Promise<Actor> {
    const leastPrivilege: Actor = { id: `slack:${slackUserId}`, role: 'guest' };
    const user = await this.slackUser(slackUserId);
    if (!user || user.deleted || user.is_bot || user.is_stranger) return leastPrivilege;
    const email = canonicalEmail(user.profile?.email ?? '');
    const found = email ? valueOr(await this.directory.find(email), null) : null;
    // `find` also matches ids: insist the match is on the email Slack vouches for.
    const person = found && found.active && sameEmail(found.email, email) ? found : null;
    if (!person) return leastPrivilege;
    if (isGuestAccount(user) && person.role !== 'guest') return leastPrivilege;
    return { id: person.id, role: person.role, email: person.email, name: person.name };
  }

  /**
   * The Slack id of a directory user (for mentions and DMs), or null when Slack has no full member with
   * exactly that email. Approval cards are sent by this, so a guest or a stranger sharing an email is
   * never an answer, whoever has written to the bot.
   */
  async slackIdOf(user: Pick<DirectoryUser, 'email'>): Promise<string | null> {
    const key = canonicalEmail(user.email);
    if (!key) return null;
    const hit = this.slackIds.get(key);
    if (hit && hit.until > this.opts.now()) return hit.value;
    try {
      const r = await this.client.users.lookupByEmail({ email: key });
      const found = r.user as SlackUser | undefined;
      const id = found?.id && fullMember(found) && sameEmail(found.profile?.email, key) ? found.id : null;
      remember(this.slackIds, key, id, this.opts.now() + this.opts.ttlMs);
      return id;
    } catch (err) {
      if (platformError(err) === 'users_not_found') {
        remember(this.slackIds, key, null, this.opts.now() + this.opts.ttlMs);
      } else {
        this.opts.logger.warn({ err: errorText(err) }, 'users.lookupByEmail failed');
      }
      return null;
    }
  }

  /**
   * A Slack user group's members as directory ids (policy `approvers: { slack_usergroup }`): each member
   * mapped as a clicker would be, so guests, strangers and people the directory does not know drop out.
   * Null when Slack does not know the group (nobody can approve then). Not cached: membership is who may
   * approve now.
   */
  async usergroupMembers(usergroup: string): Promise<string[] | null> {
    let users: string[];
    try {
      users = ((await this.client.usergroups.users.list({ usergroup })).users as string[] | undefined) ?? [];
    } catch (err) {
      this.opts.logger.warn({ usergroup, err: errorText(err) }, 'usergroups.users.list failed; nobody in that group can approve for now');
      return null;
    }
    const ids: string[] = [];
    for (const slackId of users.slice(0, 500)) {
      const actor = await this.actorFor(slackId);
      if (actor.role !== 'guest' && !actor.id.startsWith('slack:')) ids.push(actor.id);
    }
    return ids;
  }

  private async slackUser(slackUserId: string): Promise<SlackUser | null> {
    const hit = this.slackUsers.get(slackUserId);
    if (hit && hit.until > this.opts.now()) return hit.value;
    try {
      const user = ((await this.client.users.info({ user: slackUserId })).user as SlackUser | undefined) ?? null;
      remember(this.slackUsers, slackUserId, user, this.opts.now() + this.opts.ttlMs);
      return user;
    } catch (err) {
      this.opts.logger.warn({ slackUserId, err: errorText(err) }, 'users.info failed; treating the user as a guest');
      // A user Slack does not know stays unknown; a failed call is retried next time.
      if (platformError(err) === 'user_not_found') remember(this.slackUsers, slackUserId, null, this.opts.now() + this.opts.ttlMs);
      return null;
    }
  }
}

const isGuestAccount = (u: SlackUser) => !!(u.is_restricted || u.is_ultra_restricted);
/** A member of this workspace in good standing: the only kind of account that may hold a directory role. */
const fullMember = (u: SlackUser) => !u.deleted && !u.is_bot && !u.is_stranger && !isGuestAccount(u);

function remember<T>(map: Map<string, Cached<T>>, key: string, value: T, until: number): void {
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
  map.delete(key);
  map.set(key, { value, until });
}

/** The `error` code of a Web API `ok:false` answer, if that is what failed. */
export function platformError(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

export function errorText(err: unknown): string {
  return platformError(err) ?? (err instanceof Error ? err.message : String(err));
}
