import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { bridgeTemporalLogs, createLogger } from '../../platform/logger';
import { createActivities } from '../../activities';
import type { Db } from '../../db/connection';
import { testNamespace, type TestNamespaceLabel } from '../setup/namespaces';
import { testRun } from '../setup/run';
import { silentLog } from './plans';

export interface TemporalHarness {
  client: Client;
  worker: Worker;
  taskQueue: string;
  /** Shuts the worker down (waiting for it to drain) and closes the connections. */
  close(): Promise<void>;
}

/** A real worker, running, on the run's dev server and a task queue of its own. */
export async function temporalHarness(db: Db, label: TestNamespaceLabel, opts: { workingDayMs?: number; mergeWindowMs?: number } = {}): Promise<TemporalHarness> {
  const namespace = testNamespace(label);
  const run = testRun();
  bridgeTemporalLogs(createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'warn', pretty: 'false', name: 'test' }));
  const taskQueue = `test-${label}-${run.runId}`;
  const connection = await Connection.connect({ address: run.temporalAddress });
  const client = new Client({ connection, namespace });
  const nativeConnection = await NativeConnection.connect({ address: run.temporalAddress });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace,
    taskQueue,
    workflowBundle: { codePath: run.bundlePath },
    activities: createActivities({ db, log: silentLog, workingDayMs: opts.workingDayMs, mergeWindowMs: opts.mergeWindowMs ?? 50 }),
  });
  const running = worker.run();
  return {
    client,
    worker,
    taskQueue,
    close: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
    },
  };
}
