import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import knex from 'knex';
import { asNonRetryable, failFastOnBadData } from '../activities/failures';
import { createActivities } from '../activities';
import { HttpError } from '../api/errors';
import { throughWorkflow } from '../api/services/workflow-errors';
import type { Db } from '../db/connection';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';

async function failureOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('activity failures: what cannot succeed on retry fails at once', () => {
  let db: Db;

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('failures'));
  });
  afterAll(async () => {
    await db?.destroy();
  });

  const wrapped = () =>
    failFastOnBadData({
      nul: async () => db('audit_events').insert({ actor: 'test', action: 'probe', subject: 'nul', payload: '{}', request_id: 'a\u0000b' }),
      divide: async () => db.raw('select 1/0'),
      duplicate: async () => db('departments').insert({ code: 'eic', name: '重复的部门' }),
      missingReference: async () => db('users').insert({ username: 'ghost', password_hash: 'x', role: 'department', department_id: 999_999 }),
      plain: async () => {
        throw new Error('the mail server said 451, try again later');
      },
      refused: async () => {
        throw ApplicationFailure.nonRetryable('plan x is not in the catalog', 'PlanNotFound');
      },
      fine: async (n: number) => n + 1,
    });

  test.each([
    ['a NUL in text (22021)', 'nul', '22021', /invalid byte sequence/],
    ['division by zero (22012)', 'divide', '22012', /division by zero/],
    ['a duplicate key (23505)', 'duplicate', '23505', /duplicate key value violates unique constraint/],
    ['a missing reference (23503)', 'missingReference', '23503', /violates foreign key constraint/],
  ] as const)('%s becomes a non-retryable InvalidData failure with PostgreSQL\'s message', async (_name, activity, sqlstate, message) => {
    const err = await failureOf(wrapped()[activity]());
    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    expect(failure.type).toBe('InvalidData');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(message);
    // The statement and its values (the caller's data) stay out of the failure.
    expect(failure.message).not.toMatch(/insert into|select 1\/0/);
    expect(failure.details?.[0]).toMatchObject({ sqlstate });
  });

  test('other errors stay as they are: retryable, or already decided by the activity', async () => {
    const plain = await failureOf(wrapped().plain());
    expect(plain).not.toBeInstanceOf(ApplicationFailure);
    expect((plain as Error).message).toBe('the mail server said 451, try again later');
    const refused = (await failureOf(wrapped().refused())) as ApplicationFailure;
    expect(refused.type).toBe('PlanNotFound');
    expect(await wrapped().fine(41)).toBe(42);
  });

  test('a lost connection stays retryable', async () => {
    const nowhere = knex({
      client: 'pg',
      connection: { host: '127.0.0.1', port: 1, user: 'x', database: 'x', connectionTimeoutMillis: 2000 },
      pool: { min: 0, max: 1 },
      acquireConnectionTimeout: 3000,
      // knex would print the refused connection on the console.
      log: { warn: () => undefined, error: () => undefined, debug: () => undefined, deprecate: () => undefined },
    });
    try {
      const err = await failureOf(nowhere.raw('select 1'));
      expect(asNonRetryable(err)).toBe(err);
      // What the server says while it shuts down or restarts (57P01, 08006) is not the data's fault either.
      for (const code of ['57P01', '08006', '40001', 'ECONNRESET']) {
        const transient = Object.assign(new Error(`terminating connection (${code})`), { code });
        expect(asNonRetryable(transient)).toBe(transient);
      }
    } finally {
      await nowhere.destroy();
    }
  });

  test('every activity is wrapped: bad data reaching PostgreSQL in a real activity fails at once', async () => {
    const acts = createActivities({ db, log: silentLog });
    const err = (await failureOf(acts.readCatalogSummary('sd\u0000plan'))) as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'InvalidData', nonRetryable: true });
  });

  test('a notice that cannot be built is refused at once, naming the field, and nothing is written', async () => {
    const acts = createActivities({ db, log: silentLog });
    const notice = { key: 'probe:notice', departmentCode: 'eic', kind: 'instruction' as const, businessDate: '2017-03-28', title: '【领导批示】测试', body: '请抓紧推进。' };
    const before = Number(((await db('notifications').count({ n: '*' }).first()) as { n: string }).n);
    for (const [field, bad] of [
      ['title', { title: '【领导批示】\u0000' }],
      ['body', { body: '请\u001b抓紧' }],
      ['body', { body: '' }],
      ['departmentCode', { departmentCode: 'eic\u0000' }],
    ] as const) {
      const err = (await failureOf(acts.notify({ ...notice, ...bad }))) as ApplicationFailure;
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'InvalidNotification', nonRetryable: true });
      expect(err.message).toContain(field);
    }
    const unknown = (await failureOf(acts.notify({ ...notice, departmentCode: 'nosuchdept' }))) as ApplicationFailure;
    expect(unknown).toMatchObject({ type: 'UnknownDepartment', nonRetryable: true });
    expect(Number(((await db('notifications').count({ n: '*' }).first()) as { n: string }).n)).toBe(before);
  });
});

describe('the API answers an update that failed on refused data with 422', () => {
  const updateFailedWith = (type: string) => () =>
    Promise.reject(
      new WorkflowUpdateFailedError(
        'Workflow Update failed',
        new ActivityFailure('activity failed', 'recordEvent', '7', RetryState.NON_RETRYABLE_FAILURE, 'worker', ApplicationFailure.nonRetryable('invalid byte sequence for encoding "UTF8": 0x00', type)),
      ),
    );

  test.each(['InvalidData', 'InvalidNotification'])('%s is 422 invalid_data with the reason', async (type) => {
    const err = await failureOf(throughWorkflow(updateFailedWith(type)));
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 422, code: 'invalid_data', message: 'invalid byte sequence for encoding "UTF8": 0x00' });
  });

  test('a refusal of the workflow itself stays a 409', async () => {
    expect(await failureOf(throughWorkflow(updateFailedWith('InvalidRequest')))).toMatchObject({ status: 409, code: 'conflict' });
  });

  test('an update the server dropped because its workflow task failed is 503 with Retry-After, never 500', async () => {
    // What the client throws for the server's "Unable to perform workflow execution update due to unexpected workflow task failure."
    const grpc = Object.assign(new Error('9 FAILED_PRECONDITION: Unable to perform workflow execution update due to unexpected workflow task failure.'), {
      code: 9,
      details: 'Unable to perform workflow execution update due to unexpected workflow task failure.',
      metadata: {},
    });
    const err = await failureOf(throughWorkflow(() => Promise.reject(new ServiceError('Workflow Update failed', { cause: grpc }))));
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 503, code: 'busy', headers: { 'Retry-After': '1' } });
    // Any other service error is left as it is (the API logs it and answers 500).
    const other = new ServiceError('Workflow Update failed', { cause: Object.assign(new Error('13 INTERNAL'), { code: 13, details: 'internal', metadata: {} }) });
    expect(await failureOf(throughWorkflow(() => Promise.reject(other)))).toBe(other);
  });
});
