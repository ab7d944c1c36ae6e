import { WorkflowFailedError } from '@temporalio/client';
import { importPlan } from '../db/catalog/import';
import { readPlanFile } from '../db/catalog/plan-file';
import { migrateLatest, type Db } from '../db/connection';
import { createTestDatabase } from './helpers/db';
import { defaultPlanFile } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { recordHistory } from './helpers/histories';

describe('a workflow round trip through a real worker and the real Temporal server', () => {
  let db: Db;
  let t: TemporalHarness;

  beforeAll(async () => {
    ({ db } = await createTestDatabase('roundtrip'));
    await migrateLatest(db);
    await importPlan(db, readPlanFile(defaultPlanFile), { actor: 'test' });
    t = await temporalHarness(db, 'roundtrip');
  });
  afterAll(async () => {
    await t?.close();
    await db?.destroy();
  });

  test('catalogCheck reads the catalog through an activity and returns its counts', async () => {
    const workflowId = `roundtrip-${Date.now()}`;
    const summary = await t.client.workflow.execute('catalogCheck', {
      taskQueue: t.taskQueue,
      workflowId,
      args: ['sd-internet-plus-2016-2018'],
    });
    await recordHistory(t.client.workflow.getHandle(workflowId), 'catalog-check');
    expect(summary).toEqual({
      planCode: 'sd-internet-plus-2016-2018',
      title: '山东省“互联网+”行动计划(2016-2018年)',
      actions: 10,
      tasks: 40,
      safeguardMeasures: 5,
      safeguardItems: 16,
      departments: expect.any(Number),
    });
    expect((summary as { departments: number }).departments).toBeGreaterThan(20);
  });

  test('an unknown plan fails the workflow with a non-retryable PlanNotFound', async () => {
    const err = await t.client.workflow
      .execute('catalogCheck', {
        taskQueue: t.taskQueue,
        workflowId: `roundtrip-missing-${Date.now()}`,
        args: ['no-such-plan'],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause?.cause as { type?: string; message?: string } | undefined;
    expect(cause?.type).toBe('PlanNotFound');
    expect(cause?.message).toContain('no-such-plan');
  });
});
