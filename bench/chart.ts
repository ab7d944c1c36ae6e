/**
 * The run's latency distributions as one SVG, drawn by ECharts' server-side
 * renderer: cumulative distributions of the Temporal and API latencies, of
 * the timer and reminder lateness, and the read routes' percentiles.
 */
import * as echarts from 'echarts';
import type { Results } from './report';
import { cdf } from './stats';

const WIDTH = 1200;
const LEGEND = 380;
const PANEL = 330;
const GAP = 90;

type Series = { name: string; values: number[] };

function present(s: Series[]): Series[] {
  return s.filter((x) => x.values.length > 0).map((x) => ({ ...x, values: x.values.map((v) => Math.max(0.1, v)) }));
}

export function renderChart(r: Results): string {
  const latency = present([
    { name: `(a) no-op start→complete, ${r.a?.noop.clients ?? ''} clients`, values: r.a?.noop.samples ?? [] },
    { name: '(a) update round trip', values: r.a?.update.samples ?? [] },
    { name: '(a) query round trip', values: r.a?.query.samples ?? [] },
    { name: '(b) assign via API, 1 item/request', values: r.b?.single.samples ?? [] },
    { name: `(b) assign via API, bulk request of ${r.b?.bulk.batch ?? ''}`, values: r.b?.bulk.samples ?? [] },
    { name: `(c) state query, cache ${r.c?.fullCache.maxCachedWorkflows ?? ''}`, values: r.c?.fullCache.samples ?? [] },
    { name: `(c) state query, cache ${r.c?.smallCache.maxCachedWorkflows ?? ''}`, values: r.c?.smallCache.samples ?? [] },
  ]);
  const lateness = present([
    { name: '(a) bare timer, alone', values: r.a?.timerAlone.samples ?? [] },
    { name: `(a) bare timers, ${r.a?.timerBurst.n ?? ''} due in 1 s`, values: r.a?.timerBurst.samples ?? [] },
    { name: `(d) reminders, ${r.d?.n ?? ''} due in 1 s, 1 worker`, values: r.d?.samples ?? [] },
    { name: `(g) reminders, ${r.g?.deadlines.n ?? ''} due in 1 s, 2 workers`, values: r.g?.deadlines.samples ?? [] },
  ]);
  const routes = r.e?.routes ?? [];

  const panels = [
    { title: 'Latency, cumulative distribution (ms, log scale)', kind: 'cdf' as const, series: latency },
    { title: 'Lateness: due instant → row committed (ms, log scale)', kind: 'cdf' as const, series: lateness },
    { title: `Read routes, ${r.e?.seeded.items ?? 0} items / ${r.e?.seeded.reports ?? 0} reports: p50, p95, p99 (ms, log scale)`, kind: 'bars' as const, series: [] },
  ];
  const height = 60 + panels.length * (PANEL + GAP) + 80;
  const top = (i: number) => 70 + i * (PANEL + GAP);

  const title: echarts.EChartsOption['title'] = [
    { text: `bench ${r.quick ? '--quick' : ''} ${r.startedAt}`, left: 'center', top: 8, textStyle: { fontSize: 15 } },
    ...panels.map((p, i) => ({ text: p.title, left: 60, top: top(i) - 38, textStyle: { fontSize: 13 } })),
  ];
  const grid = panels.map((_, i) => ({ left: 70, right: LEGEND + 20, top: top(i), height: PANEL }));
  const xAxis: echarts.XAXisComponentOption[] = [];
  const yAxis: echarts.YAXisComponentOption[] = [];
  const series: echarts.SeriesOption[] = [];
  const legend: echarts.LegendComponentOption[] = [];

  panels.forEach((p, i) => {
    if (p.kind === 'cdf') {
      xAxis.push({ gridIndex: i, type: 'log', name: 'ms', nameLocation: 'end', minorSplitLine: { show: false } });
      yAxis.push({ gridIndex: i, type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } });
      for (const s of p.series) series.push({ type: 'line', name: s.name, xAxisIndex: i, yAxisIndex: i, showSymbol: s.values.length < 10, step: 'end', data: cdf(s.values, 150) });
      legend.push({ orient: 'vertical', left: WIDTH - LEGEND, width: LEGEND - 10, top: top(i), data: p.series.map((s) => s.name), textStyle: { fontSize: 11, width: LEGEND - 40, overflow: 'truncate' } });
    } else {
      xAxis.push({ gridIndex: i, type: 'category', data: routes.map((x) => x.name), axisLabel: { rotate: 20, fontSize: 10, interval: 0 } });
      yAxis.push({ gridIndex: i, type: 'log' });
      const names = ['p50', 'p95', 'p99'] as const;
      for (const q of names) {
        series.push({ type: 'bar', name: `route ${q}`, xAxisIndex: i, yAxisIndex: i, data: routes.map((x) => Math.max(0.1, Math.round(x.latencyMs[q] * 10) / 10)) });
      }
      series.push({
        type: 'line',
        name: 'target p95 50 ms',
        xAxisIndex: i,
        yAxisIndex: i,
        showSymbol: false,
        lineStyle: { type: 'dashed', color: '#c00' },
        data: routes.map(() => 50),
      });
      legend.push({ orient: 'vertical', left: WIDTH - LEGEND, top: top(i), data: [...names.map((q) => `route ${q}`), 'target p95 50 ms'], textStyle: { fontSize: 11 } });
    }
  });

  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  try {
    chart.setOption({ animation: false, backgroundColor: '#fff', title, grid, xAxis, yAxis, series, legend, tooltip: { show: false } });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
