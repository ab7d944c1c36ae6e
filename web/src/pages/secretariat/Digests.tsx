import { Button, Card, Col, Descriptions, Empty, Row, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { changeWords, comparedWith } from '../../../../domain/digest-change';
import { api, unwrap } from '../../api/client';
import type { Answer } from '../../api/types';
import { ListTable } from '../../components/ListTable';
import { DepartmentName } from '../../departments';
import { chineseDate, chineseDateTime, percent } from '../../format';
import { useLoad } from '../../hooks';
import { chaseWords, label, RUNG, STATUS } from '../../labels';
import { itemPath, parseItemKey } from '../item/types';
import { ColourMark, LoadError } from './shared';

type Stored = Answer<'/api/v1/digests', 'get'>['digests'][number];
/** Today's body; the API also admits any object, the body of a digest stored by an older release. */
type Body = Extract<Stored['body'], { totals: unknown }>;
/** A digest as stored: an older one may lack parts of today's body, so every part is read as optional. */
type Digest = Omit<Stored, 'body'> & { body: Partial<Body> };

const colourColumns = [
  { title: <ColourMark colour="red" />, dataIndex: 'red', align: 'right' as const, width: 70 },
  { title: <ColourMark colour="yellow" />, dataIndex: 'yellow', align: 'right' as const, width: 70 },
  { title: <ColourMark colour="green" />, dataIndex: 'green', align: 'right' as const, width: 70 },
];

function DigestView({ d }: { d: Digest }) {
  const b = d.body;
  const statuses = Object.entries(b.totals?.byStatus ?? {});
  return (
    <Card title={`${chineseDate(d.weekOf)}当周周报`} extra={<span>生成于 {chineseDateTime(d.generatedAt)}</span>}>
      <Descriptions size="small" bordered column={{ xs: 1, md: 2, xl: 4 }} style={{ marginBottom: 16 }}>
        <Descriptions.Item label="事项总数">{b.totals?.items ?? 0}</Descriptions.Item>
        <Descriptions.Item label="红灯">{b.totals?.red ?? 0}</Descriptions.Item>
        <Descriptions.Item label="黄灯">{b.totals?.yellow ?? 0}</Descriptions.Item>
        <Descriptions.Item label="绿灯">{b.totals?.green ?? 0}</Descriptions.Item>
        <Descriptions.Item label="按状态" span="filled">
          {statuses.length ? statuses.map(([s, n]) => `${label(STATUS, s)} ${n}`).join(',') : '—'}
        </Descriptions.Item>
      </Descriptions>
      <Typography.Title level={3} style={{ fontSize: 16 }}>
        分重点行动
      </Typography.Title>
      <ListTable
        size="small"
        rowKey="code"
        rows={b.byAction}
        paging={false}
        style={{ marginBottom: 16 }}
        scroll={{ x: 'max-content' }}
        columns={[{ title: '重点行动 / 保障措施', dataIndex: 'title' }, { title: '事项数', dataIndex: 'items', align: 'right', width: 80 }, ...colourColumns]}
      />
      <Typography.Title level={3} style={{ fontSize: 16 }}>
        分牵头单位
      </Typography.Title>
      <ListTable
        size="small"
        rowKey="code"
        rows={b.byDepartment}
        paging={{ pageSize: 10 }}
        style={{ marginBottom: 16 }}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: '牵头单位', dataIndex: 'code', render: (v: string) => <DepartmentName code={v} /> },
          { title: '事项数', dataIndex: 'items', align: 'right', width: 70 },
          ...colourColumns,
          { title: '通过期数', dataIndex: 'acceptedPeriods', align: 'right', width: 80 },
          { title: '按期率(原定)', dataIndex: 'onTimeRateOriginal', align: 'right', width: 100, render: (v: number | null) => percent(v) },
          { title: '按期率(含延期)', dataIndex: 'onTimeRate', align: 'right', width: 110, render: (v: number | null) => percent(v) },
          { title: '催督办', dataIndex: 'openEscalations', align: 'right', width: 70, render: (v?: number) => v ?? '—' },
          // Each department against its own previous week, not against the others (no ranking).
          {
            title: b.previousWeekOf ? comparedWith(d.weekOf, b.previousWeekOf) : '较上周',
            key: 'change',
            render: (_, r) => (r.change ? changeWords(r.change) : b.previousWeekOf ? '新列入' : '—'),
          },
        ]}
      />
      <Typography.Title level={3} style={{ fontSize: 16 }}>
        未解除的催督办
      </Typography.Title>
      <ListTable
        size="small"
        rowKey={(e) => `${e.itemKey}:${e.subject}:${e.periodSeq}:${e.rung}`}
        rows={b.openEscalations}
        empty="无"
        paging={{ pageSize: 10 }}
        scroll={{ x: 'max-content' }}
        columns={[
          {
            title: '事项',
            dataIndex: 'title',
            render: (v: string, e) => {
              const ref = parseItemKey(e.itemKey);
              return ref ? <Link to={itemPath(ref.plan, ref.item)}>{v}</Link> : v;
            },
          },
          { title: '牵头单位', dataIndex: 'lead', width: 120, render: (v: string) => <DepartmentName code={v} /> },
          { title: '事由', key: 'subject', width: 150, render: (_, e) => chaseWords(e) },
          { title: '层级', dataIndex: 'rung', width: 120, render: (v: string) => label(RUNG, v) },
          { title: '发出日期', dataIndex: 'businessDate', width: 130, render: (v: string) => chineseDate(v) },
        ]}
      />
    </Card>
  );
}

/** 周报: the weekly digests for the leading group, newest first. */
export function DigestsPage() {
  const { data, error, loading } = useLoad(async (): Promise<Digest[]> => (await unwrap(api.GET('/api/v1/digests', { params: { query: { limit: 520 } } }))).digests);
  const [selected, setSelected] = useState<string>();
  useEffect(() => {
    if (!selected && data?.length) setSelected(data[0]!.key);
  }, [data, selected]);
  const current = data?.find((d) => d.key === selected);
  return (
    <>
      <Typography.Title level={2}>周报</Typography.Title>
      <LoadError error={error} />
      <Row gutter={16}>
        <Col xs={24} lg={6} xl={5}>
          <Card title="历次周报" style={{ marginBottom: 16 }}>
            <ListTable<Digest>
              size="small"
              rowKey="key"
              loading={loading}
              rows={data}
              showHeader={false}
              empty="尚未生成周报"
              paging={{ pageSize: 10, simple: true }}
              rowClassName={(d) => (d.key === selected ? 'ant-table-row-selected' : '')}
              columns={[
                {
                  title: '周',
                  key: 'week',
                  render: (_, d) => (
                    <Button type="link" style={{ padding: 0 }} onClick={() => setSelected(d.key)} aria-current={d.key === selected ? 'true' : undefined}>
                      {chineseDate(d.weekOf)}当周
                    </Button>
                  ),
                },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} lg={18} xl={19}>
          {current ? <DigestView d={current} /> : !loading ? <Card><Empty description="尚未生成周报" /></Card> : null}
        </Col>
      </Row>
    </>
  );
}
