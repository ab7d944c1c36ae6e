/**
 * `npm run bench -- --target cluster [--quick]`: the assignment rate (b) and
 * the deadlines falling due in the same second (d), first on the Temporal dev
 * server with one bench worker, as `npm run bench` measures them, then on the
 * production-like server (`temporal-server` built from Go modules, its state
 * in two databases on the run's PostgreSQL, 4 history shards) with one and
 * with two bench workers on one task queue. One harness per server, one after
 * the other: the dev server and all it started are gone before the cluster
 * starts. The three columns are printed side by side with their ratios to the
 * dev server's and written to bench/results/<date>-cluster.json.
 */
import type { Logger } from '../platform/logger';
import { runAssignment } from './assignment';
import { runDeadlines } from './deadlines';
import { Harness, type Interruption, type Sizes, type Target } from './harness';
import { clusterJson, clusterTable, writeResults, type ClusterResults, type TargetColumn } from './report';

const COLUMNS: readonly Omit<TargetColumn, 'server' | 'b' | 'd'>[] = [
  { key: 'dev1', title: 'dev server, 1 worker', target: 'dev', workers: 1 },
  { key: 'cluster1', title: 'cluster, 1 worker', target: 'cluster', workers: 1 },
  { key: 'cluster2', title: 'cluster, 2 workers', target: 'cluster', workers: 2 },
];

const SERVERS: Record<Target, string> = { dev: 'the Temporal dev server', cluster: 'the production-like Temporal server' };

/** (b), then (d) with its due instant put as far ahead as (b)'s rate says starting the items takes, as in `npm run bench`. */
async function measure(h: Harness, sizes: Sizes, interruption: Interruption, results: ClusterResults, column: TargetColumn): Promise<void> {
  const { log } = h;
  const opts = { workers: column.workers, label: column.key };
  column.b = await interruption.figure(log, results, `${column.key}.b`, `${column.title}: assignment rate through the API`, () => runAssignment(h, sizes, opts));
  const perItemMs = column.b ? 1_000 / column.b.single.ratePerSecond : undefined;
  column.d = await interruption.figure(log, results, `${column.key}.d`, `${column.title}: deadlines falling due in the same second`, () => runDeadlines(h, sizes, { ...opts, perItemMs }));
}

export async function runClusterComparison(log: Logger, sizes: Sizes, interruption: Interruption, startedAt: string): Promise<void> {
  const results: ClusterResults = { target: 'cluster', startedAt, quick: sizes.quick, sizes, columns: [] };
  let h: Harness | undefined;
  try {
    for (const target of ['dev', 'cluster'] as const) {
      // The previous server's workers, databases and processes go first: the servers never run side by side.
      await h?.stop();
      const current = new Harness(log, { target });
      h = current;
      interruption.watch(current, `every worker, server and database of ${SERVERS[target]}`);
      log.info({ target }, `=== on ${SERVERS[target]}`);
      await current.start();
      for (const column of COLUMNS.filter((c) => c.target === target)) {
        const measured: TargetColumn = { ...column, server: current.temporalServer };
        results.columns.push(measured);
        await measure(current, sizes, interruption, results, measured);
      }
    }
  } finally {
    results.finishedAt = new Date().toISOString();
    if (!interruption.promise) {
      writeResults(log, results, [{ key: 'json', suffix: '-cluster.json', render: () => `${JSON.stringify(clusterJson(results), null, 1)}\n` }], clusterTable(results));
      await h?.stop();
      log.info('bench: everything stopped and dropped');
      log.flush();
    }
  }
}
