import { createDb, migrateLatest, migrateRollbackAll, type Db } from '../db/connection';
import { createTestDatabase } from './helpers/db';

async function tables(db: Db): Promise<string[]> {
  const res = (await db.raw(`select tablename from pg_tables where schemaname = current_schema() order by 1`)) as {
    rows: { tablename: string }[];
  };
  return res.rows.map((r) => r.tablename).filter((t) => !t.startsWith('knex_'));
}

describe('migrations', () => {
  let db: Db;
  let url: string;
  beforeAll(async () => {
    ({ db, url } = await createTestDatabase('migrations'));
  });
  afterAll(async () => {
    await db.destroy();
  });

  test('go up on an empty database, down to nothing, and up again', async () => {
    expect(await tables(db)).toEqual([]);
    const applied = await migrateLatest(db);
    expect(applied.length).toBeGreaterThan(0);
    expect(await tables(db)).toEqual(
      expect.arrayContaining(['audit_events', 'departments', 'item_owner_proposals', 'items', 'plans', 'safeguard_measures', 'actions']),
    );
    expect(await migrateLatest(db)).toEqual([]);

    const reverted = await migrateRollbackAll(db);
    expect(reverted.sort()).toEqual([...applied].sort());
    expect(await tables(db)).toEqual([]);

    expect(await migrateLatest(db)).toEqual(applied);
  });

  test('two processes migrating at once apply each migration once', async () => {
    await migrateRollbackAll(db);
    const other = createDb(url, { poolMax: 3 });
    try {
      const [a, b] = await Promise.all([migrateLatest(db), migrateLatest(other)]);
      // One of them applied everything; the other waited and found nothing left to do.
      expect([a.length, b.length].sort()).toEqual([0, a.length + b.length]);
      const applied = [...a, ...b];
      const rows = await db('knex_migrations').select('name');
      expect(rows.map((r) => r.name).sort()).toEqual([...new Set(applied)].sort());
      expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
    } finally {
      await other.destroy();
    }
  });
});
