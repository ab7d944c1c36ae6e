import knex from 'knex';
import { seedOfficialCalendar } from '../../db/calendar/store';
import { importPlan } from '../../db/catalog/import';
import { readPlanFile } from '../../db/catalog/plan-file';
import { createDb, migrateLatest, type Db } from '../../db/connection';
import { withDatabaseName } from '../../platform/database';
import { defaultPlanFile } from './plans';
import type { TestRun } from '../setup/run';
import { testRun } from '../setup/run';

function admin(run: TestRun) {
  return knex({ client: 'pg', connection: run.adminUrl, pool: { min: 0, max: 1 } });
}

/** A fresh, empty database for one test file, named after the run so parallel runs never meet. */
export async function createTestDatabase(label: string): Promise<{ url: string; db: Db; name: string }> {
  const run = testRun();
  const name = `coord_t_${run.runId}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 63);
  const a = admin(run);
  try {
    await a.raw('create database ?? template template0', [name]);
  } finally {
    await a.destroy();
  }
  const url = withDatabaseName(run.adminUrl, name);
  return { url, db: createDb(url, { poolMax: 5 }), name };
}

export async function dropRunDatabases(run: TestRun): Promise<void> {
  const a = admin(run);
  try {
    const rows = (await a.raw('select datname from pg_database where datname like ?', [`coord_t_${run.runId}_%`])) as {
      rows: { datname: string }[];
    };
    for (const { datname } of rows.rows) await a.raw('drop database if exists ?? with (force)', [datname]);
  } finally {
    await a.destroy();
  }
}

/** A fresh database with the schema, the default plan and the official 2004-2026 calendar: where most tests start. */
export async function createCatalogDatabase(label: string): Promise<{ url: string; db: Db; name: string }> {
  const created = await createTestDatabase(label);
  await migrateLatest(created.db);
  await importPlan(created.db, readPlanFile(defaultPlanFile), { actor: 'test' });
  await seedOfficialCalendar(created.db);
  return created;
}
