import { Card, Col, Row, Space, Statistic, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import type { Answer } from '../../api/types';
import { ListTable } from '../../components/ListTable';
import { DepartmentName, useDepartmentName } from '../../departments';
import { chineseDate } from '../../format';
import { useLoad } from '../../hooks';
import { chaseWords, label, RUNG, STATUS } from '../../labels';
import { itemPath } from '../item/types';
import { OnTimeChart } from './OnTimeChart';
import { ColourMark, groupLabel, LoadError, rungOfLevel, usePlan, fetchItems, type ListedItem } from './shared';

type Matrix = Answer<'/api/v1/board/matrix', 'get'>;
type Cell = Matrix['cells'][number];
type MatrixGroup = Matrix['groups'][number];
type Escalation = Answer<'/api/v1/board/escalations', 'get'>['escalations'][number];

/** The link from a matrix cell to the item list, filtered the same way. */
export function itemsLink(f: { action?: string; department?: string; colour?: string; status?: string; leadOnly?: boolean }): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== false) q.set(k, v === true ? '1' : String(v));
  return `/items?${q.toString()}`;
}

function MatrixCell({ cell, groupTitle, department }: { cell?: Cell; groupTitle: string; department: string }) {
  if (!cell || !cell.items) return <span aria-hidden>·</span>;
  const colours = (['red', 'yellow', 'green'] as const).filter((c) => cell[c] > 0);
  return (
    <Space orientation="vertical" size={0}>
      {colours.map((c) => (
        <Link key={c} to={itemsLink({ action: cell.group, department: cell.lead ?? undefined, colour: c, leadOnly: true })} aria-label={`${groupTitle},${department}牵头,${{ red: '红灯', yellow: '黄灯', green: '绿灯' }[c]}${cell[c]}项`}>
          <ColourMark colour={c} count={cell[c]} />
        </Link>
      ))}
      {cell.closed ? <span>已办结或撤销 {cell.closed}</span> : null}
    </Space>
  );
}

/** 红黄绿灯 as a matrix: key actions and safeguard measures down, lead departments across. */
function ColourMatrix({ plan }: { plan: string }) {
  const name = useDepartmentName();
  const { data, error, loading } = useLoad(() => unwrap(api.GET('/api/v1/board/matrix', { params: { query: { plan } } })), [plan]);
  const cells = useMemo(() => new Map((data?.cells ?? []).map((c) => [`${c.group}:${c.lead ?? ''}`, c])), [data]);
  const totals = useMemo(() => {
    const t = { red: 0, yellow: 0, green: 0, closed: 0, unassigned: 0 };
    for (const c of data?.cells ?? []) {
      t.red += c.red;
      t.yellow += c.yellow;
      t.green += c.green;
      t.closed += c.closed;
      if (!c.lead) t.unassigned += c.items;
    }
    return t;
  }, [data]);
  const columns: ColumnsType<MatrixGroup> = [
    {
      title: '重点行动 / 保障措施',
      key: 'group',
      fixed: 'left',
      width: 220,
      render: (_, g) => <Link to={itemsLink({ action: g.code })}>{groupLabel(g)}</Link>,
    },
    ...(data?.departments ?? []).map((d) => ({
      title: name(d),
      key: d,
      width: 96,
      render: (_: unknown, g: MatrixGroup) => <MatrixCell cell={cells.get(`${g.code}:${d}`)} groupTitle={groupLabel(g)} department={name(d)} />,
    })),
    {
      title: '未交办',
      key: 'unassigned',
      width: 80,
      render: (_, g) => {
        const n = cells.get(`${g.code}:`)?.items ?? 0;
        return n ? <Link to={itemsLink({ action: g.code, status: 'unassigned' })} aria-label={`${groupLabel(g)},未交办${n}项`}>{n}</Link> : <span aria-hidden>·</span>;
      },
    },
  ];
  return (
    <>
      <Row gutter={[16, 16]} style={{ marginBottom: 16 }}>
        {(
          [
            ['红灯(逾期或已催督办)', totals.red, 'red'],
            ['黄灯(临近期限)', totals.yellow, 'yellow'],
            ['绿灯(正常推进)', totals.green, 'green'],
            ['已办结或撤销', totals.closed, undefined],
            ['未交办', totals.unassigned, 'unassigned'],
          ] as [string, number, string | undefined][]
        ).map(([title, value, key]) => (
          <Col key={title} xs={12} md={8} xl={4}>
            <Card size="small">
              <Statistic
                title={key && key !== 'unassigned' ? <ColourMark colour={key} /> : title}
                value={value}
                suffix="项"
                formatter={(v) => (key ? <Link to={itemsLink(key === 'unassigned' ? { status: 'unassigned' } : { colour: key })} aria-label={`${title}${value}项`}>{v}</Link> : v)}
              />
              {key && key !== 'unassigned' ? <Typography.Text type="secondary" style={{ fontSize: 12 }}>{title.replace(/^.灯/, '')}</Typography.Text> : null}
            </Card>
          </Col>
        ))}
      </Row>
      <Card title="红黄绿灯:重点行动 × 牵头单位" loading={loading && !data} style={{ marginBottom: 16 }}>
        <LoadError error={error} />
        <Typography.Paragraph type="secondary">单元格为该牵头单位在该重点行动下未办结事项的红黄绿灯数量,点击可查看事项清单。</Typography.Paragraph>
        <ListTable<MatrixGroup> size="small" bordered rowKey="code" columns={columns} rows={data?.groups} paging={false} scroll={{ x: 'max-content' }} />
      </Card>
    </>
  );
}

/** 逾期事项: red items, with the rung each has reached. */
function OverdueList({ plan }: { plan: string }) {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(10);
  const { data, error, loading } = useLoad(() => fetchItems(plan, { colour: 'red', page, pageSize }), [plan, page, pageSize]);
  return (
    <Card title="逾期及催督办事项(红灯)" style={{ marginBottom: 16 }}>
      <LoadError error={error} />
      <ListTable<ListedItem>
        size="small"
        rowKey="code"
        loading={loading}
        rows={data?.items}
        empty="暂无逾期事项"
        paging={{ server: { page, pageSize, total: data?.total ?? 0, onChange: (p, s) => (setPage(p), setPageSize(s)) } }}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: '事项', key: 'title', render: (_, r) => <Link to={itemPath(plan, r.code)}>{r.code} {r.title}</Link> },
          { title: '牵头单位', dataIndex: 'lead', width: 120, render: (v: string | null) => <DepartmentName code={v} /> },
          { title: '状态', dataIndex: 'status', width: 90, render: (v: string) => label(STATUS, v) },
          { title: '下一期限', dataIndex: 'nextDue', width: 130, render: (v: string | null) => chineseDate(v) },
          { title: '已达层级', dataIndex: 'escalationLevel', width: 120, render: (v: number) => rungOfLevel(v) },
        ]}
      />
    </Card>
  );
}

/** Every open escalation: which rung, on what, since when. */
function EscalationList() {
  const { data, error, loading } = useLoad(async () => (await unwrap(api.GET('/api/v1/board/escalations'))).escalations);
  return (
    <Card title="未解除的催办、督办和上报领导小组" style={{ marginBottom: 16 }}>
      <LoadError error={error} />
      <ListTable<Escalation>
        size="small"
        rowKey={(e) => `${e.plan}:${e.item}:${e.subject}:${e.periodSeq}:${e.rung}`}
        loading={loading}
        rows={data}
        empty="暂无未解除的催督办"
        paging={{ pageSize: 10 }}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: '事项', key: 'title', render: (_, e) => <Link to={itemPath(e.plan, e.item)}>{e.item} {e.title}</Link> },
          { title: '牵头单位', dataIndex: 'lead', width: 120, render: (v: string) => <DepartmentName code={v} /> },
          { title: '事由', key: 'subject', width: 150, render: (_, e) => chaseWords(e) },
          { title: '层级', dataIndex: 'rung', width: 120, render: (v: string) => <Typography.Text strong>{label(RUNG, v)}</Typography.Text> },
          { title: '发出日期', dataIndex: 'businessDate', width: 130, render: (v: string) => chineseDate(v) },
        ]}
      />
    </Card>
  );
}

/** 督办看板: the secretariat's home page. */
export function BoardPage() {
  const { plan, error } = usePlan();
  return (
    <>
      <Typography.Title level={2}>督办看板</Typography.Title>
      <LoadError error={error} />
      {plan ? (
        <>
          <ColourMatrix plan={plan.code} />
          <OverdueList plan={plan.code} />
          <EscalationList />
          <OnTimeChart plan={plan.code} />
        </>
      ) : null}
    </>
  );
}
