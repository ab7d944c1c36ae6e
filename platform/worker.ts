import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Db } from '../db/connection';
import type { Config } from './config';
import type { Logger } from './logger';

export const workflowsPath = require.resolve('../workflows');

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  log: Logger;
  workingDayMs?: number;
  mergeWindowMs?: number;
  /** Item workflows kept in memory (about 0.4 MB each, bench figure c); unset: the SDK's default, sized from the heap. */
  maxCachedWorkflows?: number;
  /** A prebuilt bundle (tests build one per run) instead of bundling workflowsPath at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  const log = deps.log.child({ component: 'worker', taskQueue: deps.taskQueue });
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath }),
    activities: createActivities({ db: deps.db, log, workingDayMs: deps.workingDayMs, mergeWindowMs: deps.mergeWindowMs }),
    ...(deps.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: deps.maxCachedWorkflows } : {}),
  });
}

/** The worker settings that come from configuration. */
export function workerSettings(cfg: Config): Pick<WorkerDeps, 'namespace' | 'taskQueue' | 'workingDayMs' | 'mergeWindowMs' | 'maxCachedWorkflows'> {
  return {
    namespace: cfg.TEMPORAL_NAMESPACE,
    taskQueue: cfg.TEMPORAL_TASK_QUEUE,
    workingDayMs: cfg.WORKING_DAY_MS,
    mergeWindowMs: cfg.NOTIFY_MERGE_WINDOW_MS,
    maxCachedWorkflows: cfg.WORKER_MAX_CACHED_WORKFLOWS,
  };
}
