/**
 * `npm run bench [-- --quick] [-- --items 10000] [-- --only a,b,...]`
 *
 * One run on one fresh Temporal dev server and one PostgreSQL server: the
 * bare-Temporal baselines (a) first, then each product figure (b-g) as a
 * ratio against them. Writes bench/results/<date>.json and a chart of the
 * latency distributions, bench/results/<date>.svg, and prints a summary
 * table. Every process and database it made is taken down at the end, also
 * on Ctrl-C.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../platform/config';
import { createLogger } from '../platform/logger';
import { runAssignment, type AssignmentResult } from './assignment';
import { runBaselines, type BaselineResult } from './baselines';
import { runBoard, type BoardResult } from './board';
import { renderChart } from './chart';
import { runDeadlines, type DeadlineResult } from './deadlines';
import { Harness, Interruption, sizesFor, type Sizes } from './harness';
import { runHistory, type HistoryResult } from './history';
import { runMemory, type MemoryResult } from './memory';
import { runScaleOut, type ScaleOutResult } from './scale-out';
import { summaryTable, type Results, toJson } from './report';

const FIGURES = ['a', 'b', 'c', 'd', 'e', 'f', 'g'] as const;
type Figure = (typeof FIGURES)[number];

function parseArgs(argv: string[]): { quick: boolean; items?: number; only: Set<Figure> } {
  let quick = false;
  let items: number | undefined;
  let only = new Set<Figure>(FIGURES);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--items') {
      items = Number(argv[++i]);
      if (!Number.isInteger(items) || items < 10 || items > 100_000) throw new Error('--items takes a whole number from 10 to 100000');
    } else if (arg === '--only') {
      const wanted = String(argv[++i] ?? '').split(',').filter(Boolean);
      for (const f of wanted) if (!(FIGURES as readonly string[]).includes(f)) throw new Error(`--only takes figures among ${FIGURES.join(',')}, not ${f}`);
      only = new Set(wanted as Figure[]);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('npm run bench [-- --quick] [-- --items N] [-- --only a,b,c,d,e,f,g]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  return { quick, items, only };
}

/** Set once Ctrl-C (or SIGTERM) started the teardown: it exits the process itself when done. */
const interruption = new Interruption();

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sizes: Sizes = sizesFor(args);
  const log = createLogger({ name: 'bench', level: process.env.LOG_LEVEL ?? 'info' });
  const started = new Date();
  const h = new Harness(log);
  interruption.watch(h, 'every worker, server and database');

  log.info({ quick: sizes.quick, sizes, figures: [...args.only].join(','), cores: (await import('node:os')).cpus().length }, sizes.quick ? 'bench --quick: reduced sizes (see sizes)' : 'bench: full sizes');
  const results: Results = { startedAt: started.toISOString(), quick: sizes.quick, sizes };
  try {
    await h.start();
    const figure = async <T>(f: Figure, name: string, run: () => Promise<T>): Promise<T | undefined> => {
      if (!args.only.has(f)) return undefined;
      const t0 = Date.now();
      log.info({ figure: f }, `=== (${f}) ${name}`);
      try {
        const r = await run();
        log.info({ figure: f, seconds: Math.round((Date.now() - t0) / 1000) }, `=== (${f}) done`);
        return r;
      } catch (err) {
        if (interruption.promise) throw err;
        log.error({ err, figure: f }, `=== (${f}) failed; going on with the next figure`);
        results.errors = { ...results.errors, [f]: err instanceof Error ? err.message : String(err) };
        return undefined;
      }
    };
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
      const stamp = started.toISOString().slice(0, 19).replace(/:/g, '-') + (sizes.quick ? '-quick' : '');
      const dir = path.join(projectRoot, 'bench', 'results');
      fs.mkdirSync(dir, { recursive: true });
      const jsonFile = path.join(dir, `${stamp}.json`);
      const svgFile = path.join(dir, `${stamp}.svg`);
      fs.writeFileSync(jsonFile, `${JSON.stringify(toJson(results), null, 1)}\n`);
      try {
        fs.writeFileSync(svgFile, renderChart(results));
      } catch (err) {
        log.error({ err }, 'chart failed');
      }
      process.stdout.write(`\n${summaryTable(results)}\n`);
      log.info({ json: path.relative(projectRoot, jsonFile), svg: path.relative(projectRoot, svgFile), minutes: Math.round((Date.now() - started.getTime()) / 6000) / 10 }, 'bench results written');
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
