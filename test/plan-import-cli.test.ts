import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Db } from '../db/connection';
import { createTestDatabase } from './helpers/db';
import { runScript } from './helpers/scripts';
import { defaultPlanData, defaultPlanFile } from './helpers/plans';
import { testRun } from './setup/run';

const planImport = (url: string, file: string) => runScript('plan-import', [file], url);

describe('npm run plan:import', () => {
  let db: Db;
  let url: string;
  beforeAll(async () => {
    ({ db, url } = await createTestDatabase('cli'));
  });
  afterAll(async () => {
    await db.destroy();
  });

  test('imports a file, then reports the second import as unchanged', async () => {
    const first = planImport(url, defaultPlanFile);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('plan imported');
    expect(Number((await db('items').count({ n: '*' }).first())?.n)).toBe(56);

    const second = planImport(url, defaultPlanFile);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('nothing changed');
  });

  test('refuses a bad file with exit code 2, listing each bad field, and writes nothing', async () => {
    const fresh = await createTestDatabase('cli_bad');
    try {
      const data = defaultPlanData();
      data.actions[0]!.tasks[0]!.proposal.lead = 'nobody';
      data.plan.periodStart = 'soon';
      const file = path.join(testRun().runDir, 'bad-plan.yaml');
      fs.writeFileSync(file, YAML.stringify(data));
      const res = planImport(fresh.url, file);
      expect(res.status).toBe(2);
      expect(res.stderr).toContain('actions[0].tasks[0].proposal.lead: unknown department "nobody"');
      expect(res.stderr).toContain('plan.periodStart: must be a date as YYYY-MM-DD');
      const tables = (await fresh.db.raw(`select count(*)::int as n from pg_tables where schemaname = 'public'`)) as { rows: { n: number }[] };
      expect(tables.rows[0]?.n).toBe(0);
    } finally {
      await fresh.db.destroy();
    }
  });
});
