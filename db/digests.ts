import type { Digest } from '../domain/digest';
import type { Db } from './connection';

/** A stored digest's body by its key (`digest:<Monday>`), as it was built: older rows may lack later parts. */
export async function storedDigest(db: Db, key: string): Promise<(Partial<Digest> & Pick<Digest, 'key' | 'weekOf'>) | undefined> {
  const row = (await db('digests').where({ key }).first('key', 'week_of', 'body')) as { key: string; week_of: string; body: Partial<Digest> } | undefined;
  return row ? { ...row.body, key: row.key, weekOf: row.week_of } : undefined;
}

/** A stored digest as the board lists it: its body as it was built, in the format of its time. */
export interface StoredDigestRow {
  key: string;
  weekOf: string;
  generatedAt: Date;
  body: Record<string, unknown>;
}

/** The stored digests, newest week first (and, within a week, the latest built), at most `limit`. */
export async function listDigests(db: Db, limit: number): Promise<StoredDigestRow[]> {
  return (await db('digests')
    .orderBy([{ column: 'week_of', order: 'desc' }, { column: 'generated_at', order: 'desc' }])
    .limit(limit)
    .select('key', db.raw(`to_char(week_of, 'YYYY-MM-DD') as "weekOf"`), 'generated_at as generatedAt', 'body')) as StoredDigestRow[];
}
