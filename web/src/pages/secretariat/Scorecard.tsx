import { Card, Segmented, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { Answer } from '../../api/types';
import { EChart } from '../../components/EChart';
import { ListTable } from '../../components/ListTable';
import { useDepartmentName } from '../../departments';
import { percent } from '../../format';
import { useLoad } from '../../hooks';
import { LoadError } from './shared';

type ScoreRow = Answer<'/api/v1/scorecard', 'get'>['departments'][number];

const byRate = (a: number | null, b: number | null) => (a ?? -1) - (b ?? -1);

/** 部门考核: per lead department, on-time reporting on both clocks, returns, escalations and extensions. */
export function ScorecardPage() {
  const name = useDepartmentName();
  const [scope, setScope] = useState<'reported' | 'all'>('reported');
  const { data, error, loading } = useLoad(async () => (await unwrap(api.GET('/api/v1/scorecard'))).departments);
  const rows = useMemo(() => (data ?? []).filter((r) => scope === 'all' || r.acceptedPeriods > 0 || r.escalations > 0 || r.extensions > 0 || r.returnedReports > 0), [data, scope]);
  const charted = useMemo(() => rows.filter((r) => r.acceptedPeriods > 0), [rows]);
  const option = useMemo(
    () => ({
      aria: { enabled: true },
      color: ['#1677ff', '#fa8c16'],
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? `${v}%` : '—') },
      legend: { top: 0 },
      grid: { left: 48, right: 24, top: 40, bottom: 56 },
      xAxis: { type: 'category', data: charted.map((r) => name(r.department)), axisLabel: { interval: 0, rotate: charted.length > 8 ? 30 : 0 } },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: [
        { name: '按期报送率(原定时限)', type: 'bar', barMaxWidth: 28, data: charted.map((r) => (r.onTimeRateOriginal === null ? null : Math.round(r.onTimeRateOriginal * 1000) / 10)) },
        { name: '按期报送率(含延期)', type: 'bar', barMaxWidth: 28, data: charted.map((r) => (r.onTimeRateExtended === null ? null : Math.round(r.onTimeRateExtended * 1000) / 10)) },
      ],
    }),
    [charted, name],
  );
  return (
    <>
      <Typography.Title level={2}>部门考核</Typography.Title>
      <LoadError error={error} />
      {charted.length ? (
        <Card title="各牵头单位按期报送率" style={{ marginBottom: 16 }}>
          <EChart option={option} label={`各牵头单位按期报送率图表,共${charted.length}个单位,数据见下表`} height={300} />
        </Card>
      ) : null}
      <Card
        title="考核明细"
        extra={
          <Segmented
            aria-label="显示范围"
            value={scope}
            onChange={(v) => setScope(v as 'reported' | 'all')}
            options={[
              { label: '有记录的单位', value: 'reported' },
              { label: '全部单位', value: 'all' },
            ]}
          />
        }
      >
        <Typography.Paragraph>
          按期报送以审核通过时的认定为准:原定时限指按最初确定的报送期限,含延期指按批准延期或退回重报后的现行期限。
        </Typography.Paragraph>
        <ListTable<ScoreRow>
          size="small"
          rowKey="department"
          loading={loading}
          rows={rows}
          paging={{ pageSize: 20 }}
          scroll={{ x: 'max-content' }}
          columns={[
            { title: '牵头单位', dataIndex: 'department', fixed: 'left', render: (v: string) => name(v) },
            { title: '审核通过期数', dataIndex: 'acceptedPeriods', align: 'right', sorter: (a, b) => a.acceptedPeriods - b.acceptedPeriods },
            {
              title: '按期报送(原定时限)',
              children: [
                { title: '期数', dataIndex: 'onTimeOriginal', align: 'right' },
                { title: '按期率', dataIndex: 'onTimeRateOriginal', align: 'right', render: (v: number | null) => percent(v), sorter: (a, b) => byRate(a.onTimeRateOriginal, b.onTimeRateOriginal) },
              ],
            },
            {
              title: '按期报送(含延期)',
              children: [
                { title: '期数', dataIndex: 'onTimeExtended', align: 'right' },
                { title: '按期率', dataIndex: 'onTimeRateExtended', align: 'right', render: (v: number | null) => percent(v), sorter: (a, b) => byRate(a.onTimeRateExtended, b.onTimeRateExtended) },
              ],
            },
            { title: '被退回报告', dataIndex: 'returnedReports', align: 'right', sorter: (a, b) => a.returnedReports - b.returnedReports },
            { title: '催督办次数', dataIndex: 'escalations', align: 'right', sorter: (a, b) => a.escalations - b.escalations },
            { title: '延期申请', dataIndex: 'extensions', align: 'right', sorter: (a, b) => a.extensions - b.extensions },
          ]}
        />
      </Card>
    </>
  );
}
