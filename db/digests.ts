import type { Digest } from '../domain/digest';
import type { Db } from './connection';

/** A stored digest's body by its key (`digest:<Monday>`), as it was built: older rows may lack later parts. */
export async function storedDigest(db: Db, key: string): Promise<(Partial<Digest> & Pick<Digest, 'key' | 'weekOf'>) | undefined> {
  const row = (await db('digests').where({ key }).first('key', 'week_of', 'body')) as { key: string; week_of: string; body: Partial<Digest> } | undefined;
  return row ? { ...row.body, key: row.key, weekOf: row.week_of } : undefined;
}
