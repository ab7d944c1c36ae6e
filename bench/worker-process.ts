/**
 * One bench worker: a child process of bench/run.ts, so its memory is its
 * own (RSS per process) and two of them can share a task queue (scale-out).
 * The worker is built as platform/worker.ts createWorker builds it (the
 * product's activities, the workflow bundle), plus the bare baselines'
 * activity and the knobs the figures vary (maxCachedWorkflows). It talks to
 * its parent over IPC: 'ready' once polling, 'stats' on request.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createDb } from '../db/connection';
import { bridgeTemporalLogs, createLogger } from '../platform/logger';
import { createBenchActivities } from './activities';

export interface WorkerProcessConfig {
  name: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  bundlePath: string;
  workingDayMs?: number;
  mergeWindowMs?: number;
  /** Unset: the SDK's default, derived from the heap limit. */
  maxCachedWorkflows?: number;
  logLevel: string;
}

export type ParentMessage = { type: 'stats'; id: number; gc?: boolean } | { type: 'shutdown' };
export interface WorkerStats {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  numCachedWorkflows: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}
export type ChildMessage =
  | { type: 'ready'; pid: number; maxCachedWorkflows: number; maxConcurrentWorkflowTaskExecutions?: number; maxConcurrentActivityTaskExecutions?: number }
  | { type: 'stats'; id: number; stats: WorkerStats }
  | { type: 'failed'; error: string };

function send(msg: ChildMessage): void {
  if (process.send) process.send(msg);
}

async function main(): Promise<void> {
  const raw = process.env.BENCH_WORKER;
  if (!raw) throw new Error('BENCH_WORKER is not set: this process is started by bench/run.ts');
  const cfg = JSON.parse(raw) as WorkerProcessConfig;
  const log = createLogger({ level: cfg.logLevel, pretty: 'false', name: `bench-worker-${cfg.name}` });
  bridgeTemporalLogs(log);
  const db = createDb(cfg.databaseUrl);
  const connection = await NativeConnection.connect({ address: cfg.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: cfg.namespace,
    taskQueue: cfg.taskQueue,
    workflowBundle: { codePath: cfg.bundlePath },
    activities: {
      ...createActivities({ db, log: log.child({ component: 'worker', taskQueue: cfg.taskQueue }), workingDayMs: cfg.workingDayMs, mergeWindowMs: cfg.mergeWindowMs }),
      ...createBenchActivities(db),
    },
    ...(cfg.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: cfg.maxCachedWorkflows } : {}),
  });
  const running = worker.run();
  let stopping: Promise<void> | undefined;
  const stop = (code: number) => {
    stopping ??= (async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.race([running.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000).unref())]);
      await db.destroy().catch(() => undefined);
      await connection.close().catch(() => undefined);
      process.exit(code);
    })();
    return stopping;
  };
  running.catch((err: unknown) => {
    log.error({ err }, 'bench worker failed');
    send({ type: 'failed', error: String(err) });
    void stop(1);
  });
  process.on('message', (msg: ParentMessage) => {
    if (msg.type === 'shutdown') void stop(0);
    if (msg.type === 'stats') {
      if (msg.gc && typeof global.gc === 'function') {
        global.gc();
        global.gc();
      }
      const mem = process.memoryUsage();
      const cpu = process.cpuUsage();
      send({
        type: 'stats',
        id: msg.id,
        stats: {
          rss: mem.rss,
          heapUsed: mem.heapUsed,
          heapTotal: mem.heapTotal,
          external: mem.external,
          numCachedWorkflows: worker.getStatus().numCachedWorkflows,
          cpuUserMs: cpu.user / 1000,
          cpuSystemMs: cpu.system / 1000,
        },
      });
    }
  });
  // The parent went away (killed outright): nothing else would stop us.
  process.on('disconnect', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  send({
    type: 'ready',
    pid: process.pid,
    maxCachedWorkflows: worker.options.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: (worker.options as { maxConcurrentWorkflowTaskExecutions?: number }).maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: (worker.options as { maxConcurrentActivityTaskExecutions?: number }).maxConcurrentActivityTaskExecutions,
  });
}

main().catch((err: unknown) => {
  send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
