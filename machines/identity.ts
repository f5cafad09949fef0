import { lowerRole, type Actor } from '../policies/types';
import type { Backends } from '../tools/backends/types';

/**
 * A directory user (by id or email) as an actor. Unknown people have guest rights; a deactivated
 * person acts under an id that owns nothing, so not even a guest's own-ticket lookup works for them.
 */
export async function directoryActor(directory: Backends['directory'], idOrEmail: string): Promise<Actor> {
  // A directory that cannot answer gives no rights (fail closed), as for someone it does not know.
  const found = await directory.find(idOrEmail);
  const user = found.ok ? found.value : null;
  if (!user) return { id: idOrEmail, role: 'guest' };
  if (!user.active) return { id: `inactive:${user.id}`, role: 'guest' };
  return { id: user.id, role: user.role, email: user.email, name: user.name };
}

/**
 * `actor` with the rights the directory gives that exact id now, never more than the transport said (a
 * Slack guest account stays a guest). Used at every decision, so a demotion applies at the next click.
 */
export async function currentRights(directory: Backends['directory'], actor: Actor): Promise<Actor> {
  const now = await directoryActor(directory, actor.id);
  const role = now.id === actor.id ? lowerRole(actor.role, now.role) : 'guest';
  return { ...actor, role };
}
