import type { Db } from './connection';

/** A department's id and code by its code; undefined for no such department. */
export async function departmentByCode(db: Db, code: string): Promise<{ id: number; code: string } | undefined> {
  return (await db('departments').where({ code }).first('id', 'code')) as { id: number; code: string } | undefined;
}
