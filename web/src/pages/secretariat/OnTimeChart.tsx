import { Card, Empty, Segmented } from 'antd';
import { useMemo, useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { Answer } from '../../api/types';
import { EChart } from '../../components/EChart';
import { ListTable } from '../../components/ListTable';
import { percent } from '../../format';
import { useLoad } from '../../hooks';
import { LoadError } from './shared';

type PeriodFigures = Answer<'/api/v1/board/on-time-by-period', 'get'>['periods'][number];

const ORIGINAL = '按期报送率(原定时限)';
const EXTENDED = '按期报送率(含延期)';

/** 按期报送率 per reporting period, on both clocks: bars for the original deadline, a line for the deadline in force. */
export function OnTimeChart({ plan }: { plan: string }) {
  const [by, setBy] = useState<'quarter' | 'month'>('quarter');
  const { data, error, loading } = useLoad(
    () => unwrap(api.GET('/api/v1/board/on-time-by-period', { params: { query: { plan, by } } })),
    [plan, by],
  );
  const periods = useMemo(() => data?.periods ?? [], [data]);
  const option = useMemo(() => {
    const pct = (r: number | null) => (r === null ? null : Math.round(r * 1000) / 10);
    return {
      aria: { enabled: true },
      color: ['#1677ff', '#fa8c16'],
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v}%` : '—') },
      legend: { data: [ORIGINAL, EXTENDED], top: 0 },
      grid: { left: 48, right: 24, top: 40, bottom: 32 },
      xAxis: { type: 'category', data: periods.map((p) => p.label) },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: [
        { name: ORIGINAL, type: 'bar', barMaxWidth: 36, data: periods.map((p) => pct(p.onTimeRateOriginal)) },
        { name: EXTENDED, type: 'line', symbolSize: 8, data: periods.map((p) => pct(p.onTimeRate)) },
      ],
    };
  }, [periods]);
  return (
    <Card
      title="各报送期按期报送率"
      extra={
        <Segmented
          aria-label="统计口径"
          value={by}
          onChange={(v) => setBy(v as 'quarter' | 'month')}
          options={[
            { label: '按季度', value: 'quarter' },
            { label: '按月', value: 'month' },
          ]}
        />
      }
      loading={loading && !data}
    >
      <LoadError error={error} />
      {periods.length ? (
        <>
          <EChart option={option} label={`各报送期按期报送率图表,共${periods.length}个报送期,数据见下表`} height={280} />
          <ListTable<PeriodFigures>
            size="small"
            rowKey="period"
            rows={periods}
            paging={{ pageSize: 8 }}
            columns={[
              { title: '报送期', dataIndex: 'label' },
              { title: '审核通过期数', dataIndex: 'acceptedPeriods', align: 'right' },
              { title: '按期(原定时限)', key: 'o', align: 'right', render: (_, p) => `${p.onTimeOriginal}(${percent(p.onTimeRateOriginal)})` },
              { title: '按期(含延期)', key: 'e', align: 'right', render: (_, p) => `${p.onTime}(${percent(p.onTimeRate)})` },
            ]}
          />
        </>
      ) : (
        <Empty description="尚无审核通过的报送期" />
      )}
    </Card>
  );
}
