/**
 * `npm run bench [-- --quick] [-- --items 10000] [-- --only a,b,...]`
 *
 * One run on one fresh Temporal dev server and one PostgreSQL server: the
 * bare-Temporal baselines (a) first, then each product figure (b-g) as a
 * ratio against them. Writes bench/results/<date>.json and a chart of the
 * latency distributions, bench/results/<date>.svg, and prints a summary
 * table. Every process and database it made is taken down at the end, also
 * on Ctrl-C.
 *
 * `npm run bench -- --target cluster [--quick]`: (b) and (d) on the dev
 * server, then on the production-like Temporal server with one and two
 * workers, side by side (cluster.ts): bench/results/<date>-cluster.json.
 */
import os from 'node:os';
import { createLogger } from '../platform/logger';
import { runAssignment, type AssignmentResult } from './assignment';
import { runBaselines, type BaselineResult } from './baselines';
import { runBoard, type BoardResult } from './board';
import { renderChart } from './chart';
import { runClusterComparison } from './cluster';
import { runDeadlines, type DeadlineResult } from './deadlines';
import { Harness, Interruption, sizesFor, type Sizes, type Target } from './harness';
import { runHistory, type HistoryResult } from './history';
import { runMemory, type MemoryResult } from './memory';
import { runScaleOut, type ScaleOutResult } from './scale-out';
import { summaryTable, type Results, toJson, writeResults } from './report';

const FIGURES = ['a', 'b', 'c', 'd', 'e', 'f', 'g'] as const;
type Figure = (typeof FIGURES)[number];

const TARGETS: readonly Target[] = ['dev', 'cluster'];

function parseArgs(argv: string[]): { quick: boolean; items?: number; only: Set<Figure>; target: Target } {
  let quick = false;
  let items: number | undefined;
  let only = new Set<Figure>(FIGURES);
  let onlyGiven = false;
  let target: Target = 'dev';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--target') {
      const wanted = String(argv[++i] ?? '');
      if (!(TARGETS as readonly string[]).includes(wanted)) throw new Error(`--target takes ${TARGETS.join(' or ')}, not ${wanted || 'nothing'}`);
      target = wanted as Target;
    } else if (arg === '--items') {
      items = Number(argv[++i]);
      if (!Number.isInteger(items) || items < 10 || items > 100_000) throw new Error('--items takes a whole number from 10 to 100000');
    } else if (arg === '--only') {
      const wanted = String(argv[++i] ?? '').split(',').filter(Boolean);
      for (const f of wanted) if (!(FIGURES as readonly string[]).includes(f)) throw new Error(`--only takes figures among ${FIGURES.join(',')}, not ${f}`);
      only = new Set(wanted as Figure[]);
      onlyGiven = true;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('npm run bench [-- --quick] [-- --items N] [-- --only a,b,c,d,e,f,g]\nnpm run bench -- --target cluster [--quick]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (target === 'cluster' && (onlyGiven || items !== undefined)) throw new Error('--target cluster measures (b) and (d) only: it takes no --only or --items');
  return { quick, items, only, target };
}

/** Set once Ctrl-C (or SIGTERM) started the teardown: it exits the process itself when done. */
const interruption = new Interruption();

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sizes: Sizes = sizesFor(args);
  const log = createLogger({ name: 'bench', level: process.env.LOG_LEVEL ?? 'info' });
  const started = new Date();
  const figures = args.target === 'cluster' ? 'b,d' : [...args.only].join(',');
  log.info({ quick: sizes.quick, sizes, target: args.target, figures, cores: os.cpus().length }, sizes.quick ? 'bench --quick: reduced sizes (see sizes)' : 'bench: full sizes');
  if (args.target === 'cluster') return runClusterComparison(log, sizes, interruption, started.toISOString());

  const h = new Harness(log);
  interruption.watch(h, 'every worker, server and database');
  const results: Results = { startedAt: started.toISOString(), quick: sizes.quick, sizes };
  try {
    await h.start();
    const figure = async <T>(f: Figure, name: string, run: () => Promise<T>): Promise<T | undefined> => (args.only.has(f) ? interruption.figure(log, results, f, name, run) : undefined);
    results.a = await figure<BaselineResult>('a', 'baselines: bare Temporal', () => runBaselines(h, sizes));
    results.b = await figure<AssignmentResult>('b', 'assignment rate through the API', () => runAssignment(h, sizes, { workers: 1, label: 'b' }));
    results.c = await figure<MemoryResult>('c', 'open item workflows: worker memory', () => runMemory(h, sizes));
    results.d = await figure<DeadlineResult>('d', 'deadlines falling due in the same second', () => runDeadlines(h, sizes, { workers: 1, label: 'd', perItemMs: results.b ? 1_000 / results.b.single.ratePerSecond : undefined }));
    results.e = await figure<BoardResult>('e', 'board and list API latency', () => runBoard(h, sizes));
    results.f = await figure<HistoryResult>('f', 'history of one item over simulated years', () => runHistory(h, sizes));
    results.g = await figure<ScaleOutResult>('g', 'scale-out: two workers on one task queue', () => runScaleOut(h, sizes, { b: results.b, d: results.d }));
  } finally {
    results.finishedAt = new Date().toISOString();
    if (!interruption.promise) {
      writeResults(
        log,
        results,
        [
          { key: 'json', suffix: '.json', render: () => `${JSON.stringify(toJson(results), null, 1)}\n` },
          { key: 'svg', suffix: '.svg', render: () => renderChart(results) },
        ],
        summaryTable(results),
      );
      await h.stop();
      log.info('bench: everything stopped and dropped');
      log.flush();
    }
  }
}

main().then(
  async () => {
    if (interruption.promise) await interruption.promise;
    process.exit(0);
  },
  async (err: unknown) => {
    // Interrupted: the figure in progress failed because its servers are going away; the teardown finishes and exits.
    if (interruption.promise) return interruption.promise;
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
