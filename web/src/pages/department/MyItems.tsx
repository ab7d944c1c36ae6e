import { ItemTitle } from '../../components/ItemTitle';
import { Alert, Button, Card, Col, Row, Segmented, Select, Space, Statistic, Tag } from 'antd';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { ListTable } from '../../components/ListTable';
import { ColourLight, RungTag, StatusTag } from '../../components/StatusTag';
import { DepartmentName } from '../../departments';
import { chineseDate } from '../../format';
import { PageTitle } from '../../components/PageTitle';
import { useLoad } from '../../hooks';
import { STATUS } from '../../labels';
import { AcknowledgeButton, ReportLink } from '../item/actions';
import type { Answer } from '../../api/types';
import { isOpen, OPEN_WORK } from '../item/types';

type ListedItem = Answer<'/api/v1/plans/{plan}/items', 'get'>['items'][number];

interface Row extends ListedItem {
  plan: string;
  role: 'lead' | 'cooperating';
}


/** Every item of the plan the department leads or co-operates on (all pages), upcoming deadlines first. */
async function loadMyItems(department: string): Promise<Row[]> {
  const { plans } = await unwrap(api.GET('/api/v1/plans'));
  const rows: Row[] = [];
  for (const { code: plan } of plans) {
    for (let page = 1; page <= 50; page += 1) {
      const answer = await unwrap(api.GET('/api/v1/plans/{plan}/items', { params: { path: { plan }, query: { department, page, pageSize: 200 } } }));
      rows.push(...answer.items.map((i) => ({ ...i, plan, role: i.lead === department ? ('lead' as const) : ('cooperating' as const) })));
      if (page * 200 >= answer.total) break;
    }
  }
  const rank = (r: Row) => (isOpen(r.status) ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || (a.nextDue ?? '9999').localeCompare(b.nextDue ?? '9999') || b.escalationLevel - a.escalationLevel || a.code.localeCompare(b.code));
}

/** 我的事项: the items where this department is lead or co-operating, with 签收 and 进展报送 at hand. */
export function MyItemsPage() {
  const { me } = useAuth();
  const department = me?.department ?? '';
  const list = useLoad(() => loadMyItems(department), [department]);
  const [role, setRole] = useState<'all' | 'lead' | 'cooperating'>('all');
  const [status, setStatus] = useState<string>('open');
  const rows = (list.data ?? []).filter((r) => (role === 'all' || r.role === role) && (status === 'all' || (status === 'open' ? isOpen(r.status) : r.status === status)));
  const all = list.data ?? [];
  const toAck = all.filter((r) => r.role === 'lead' && r.status === 'assigned').length;
  const escalated = all.filter((r) => r.escalationLevel > 0 && isOpen(r.status)).length;
  const red = all.filter((r) => r.colour === 'red' && isOpen(r.status)).length;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle>我的事项</PageTitle>
      {list.error ? <Alert type="error" showIcon title={list.error.text} action={<Button onClick={list.reload}>重试</Button>} /> : null}
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="全部事项" value={all.length} loading={list.loading} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="待签收" value={toAck} loading={list.loading} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="红灯事项" value={red} loading={list.loading} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="被催办督办" value={escalated} loading={list.loading} />
          </Card>
        </Col>
      </Row>
      <Card size="small">
        <Space wrap style={{ marginBottom: 12 }}>
          <Segmented
            aria-label="本部门角色"
            value={role}
            onChange={(v) => setRole(v as typeof role)}
            options={[
              { label: '全部', value: 'all' },
              { label: '牵头', value: 'lead' },
              { label: '配合', value: 'cooperating' },
            ]}
          />
          <label htmlFor="my-items-status">状态</label>
          <Select
            id="my-items-status"
            value={status}
            onChange={setStatus}
            style={{ minWidth: 140 }}
            options={[{ label: '办理中', value: 'open' }, { label: '全部状态', value: 'all' }, ...Object.entries(STATUS).filter(([k]) => k !== 'unassigned').map(([value, label]) => ({ value, label }))]}
          />
        </Space>
        <ListTable<Row>
          rowKey={(r) => `${r.plan}:${r.code}`}
          size="middle"
          loading={list.loading}
          rows={rows}
          scroll={{ x: 980 }}
          paging={{ pageSize: 10, unit: '项' }}
          empty="没有符合条件的事项"
          columns={[
            {
              title: '事项',
              key: 'title',
              render: (_v, r) => (
                <ItemTitle plan={r.plan} code={r.code} title={r.title} />
              ),
            },
            { title: '本部门', key: 'role', width: 80, render: (_v, r) => <Tag color={r.role === 'lead' ? 'blue' : 'default'}>{r.role === 'lead' ? '牵头' : '配合'}</Tag> },
            { title: '牵头单位', dataIndex: 'lead', width: 110, render: (c: string | null) => <DepartmentName code={c} /> },
            { title: '状态', dataIndex: 'status', width: 100, render: (s: string) => <StatusTag status={s} /> },
            { title: '下一截止日', dataIndex: 'nextDue', width: 140, render: (d: string | null) => chineseDate(d) },
            { title: '红黄绿灯', dataIndex: 'colour', width: 90, render: (c: string | null) => <ColourLight colour={c} /> },
            { title: '催督办', dataIndex: 'escalationLevel', width: 120, render: (l: number) => (l > 0 ? <RungTag level={l} /> : '—') },
            {
              title: '操作',
              key: 'actions',
              width: 200,
              render: (_v, r) => (
                <Space wrap>
                  {r.role === 'lead' && r.status === 'assigned' ? <AcknowledgeButton plan={r.plan} item={r.code} size="small" onDone={list.reload} /> : null}
                  {OPEN_WORK.includes(r.status) ? <ReportLink plan={r.plan} item={r.code} size="small" /> : null}
                </Space>
              ),
            },
          ]}
        />
      </Card>
    </Space>
  );
}
