import type { Db } from './connection';

/**
 * The leading group (领导小组) as a recipient of notices. Notices are
 * addressed to an entry of the department directory, and the group's members
 * sign in as leadership users, who belong to no department; so the group is
 * an entry of its own (kind 'leading-group'), to which the administrator gives
 * the channels that reach the members (their mailing list, a webhook into
 * their work chat) on the departments page, like any department's.
 */
export const LEADING_GROUP_KIND = 'leading-group';

/** The entry made when the directory has none of that kind. */
const DEFAULT_ENTRY = { code: 'leading-group', name: '领导小组', short_name: '领导小组', kind: LEADING_GROUP_KIND };

/**
 * The codes of the leading group's entries, making the default one first if
 * there is none. Called at start, so the administrator finds it before the
 * first digest, and by the digest, so no digest goes without it.
 */
export async function leadingGroupRecipients(db: Db): Promise<string[]> {
  const codes = async () => (await db('departments').where({ kind: LEADING_GROUP_KIND }).orderBy('code').pluck('code')) as string[];
  const found = await codes();
  if (found.length) return found;
  // Two first calls at once both insert; the unique code keeps one.
  await db('departments').insert(DEFAULT_ENTRY).onConflict('code').ignore();
  return codes();
}
