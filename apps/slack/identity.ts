import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Actor } from '../../policies/types';
import type { Backends, DirectoryUser } from '../../tools/backends/types';

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
 * - guests (`is_restricted`, `is_ultra_restricted`) keep their directory identity but never more than guest;
 * - people from another workspace (`is_stranger`), deleted users, bots, unknown emails get least
 *   privilege under an id that cannot collide with a directory id.
 */
export class SlackIdentity {
  private readonly actors = new Map<string, Cached<Actor>>();
  private readonly slackIds = new Map<string, Cached<string | null>>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly directory: Backends['directory'],
    private readonly opts: { ttlMs: number; now: () => number; logger: Logger },
  ) {}

  async actorFor(slackUserId: string): Promise<Actor> {
    const hit = this.actors.get(slackUserId);
    if (hit && hit.until > this.opts.now()) return hit.value;
    const { actor, cacheable } = await this.lookup(slackUserId);
    if (cacheable) remember(this.actors, slackUserId, actor, this.opts.now() + this.opts.ttlMs);
    return actor;
  }

  /** The Slack id of a directory user (for mentions and DMs), or null when Slack does not know the email. */
  async slackIdOf(user: Pick<DirectoryUser, 'email'>): Promise<string | null> {
    const key = user.email.toLowerCase();
    const hit = this.slackIds.get(key);
    if (hit && hit.until > this.opts.now()) return hit.value;
    try {
      const r = await this.client.users.lookupByEmail({ email: user.email });
      const id = r.user?.id ?? null;
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

  private async lookup(slackUserId: string): Promise<{ actor: Actor; cacheable: boolean }> {
    const leastPrivilege: Actor = { id: `slack:${slackUserId}`, role: 'guest' };
    let user: SlackUser | undefined;
    try {
      user = (await this.client.users.info({ user: slackUserId })).user as SlackUser | undefined;
    } catch (err) {
      const code = platformError(err);
      this.opts.logger.warn({ slackUserId, err: errorText(err) }, 'users.info failed; treating the user as a guest');
      // A user Slack does not know stays unknown; a failed call is retried next time.
      return { actor: leastPrivilege, cacheable: code === 'user_not_found' };
    }
    if (!user || user.deleted || user.is_bot || user.is_stranger) return { actor: leastPrivilege, cacheable: true };
    const email = user.profile?.email?.trim();
    const found = email && email.includes('@') ? await this.directory.find(email) : null;
    // `find` also matches ids: insist the match is on the email Slack vouches for.
    const person = found && found.active && found.email.toLowerCase() === email!.toLowerCase() ? found : null;
    if (!person) return { actor: leastPrivilege, cacheable: true };
    const guestInSlack = user.is_restricted || user.is_ultra_restricted;
    const actor: Actor = { id: person.id, role: guestInSlack ? 'guest' : person.role, email: person.email, name: person.name };
    remember(this.slackIds, person.email.toLowerCase(), slackUserId, this.opts.now() + this.opts.ttlMs);
    return { actor, cacheable: true };
  }
}

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
