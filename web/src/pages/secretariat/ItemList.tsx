import { Button, Card, Checkbox, DatePicker, Form, Select, Space, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { ListTable } from '../../components/ListTable';
import { DepartmentName, departmentOptions, useDepartments } from '../../departments';
import { chineseDate } from '../../format';
import { useLoad } from '../../hooks';
import { COLOUR, label, STATUS } from '../../labels';
import { itemPath } from '../item/types';
import { ColourMark, ScheduleMark, fetchGroups, fetchItems, groupLabel, LoadError, rungOfLevel, usePlan, type ItemFilter, type ItemPage, type ListedItem } from './shared';

interface Filters {
  action?: string;
  department?: string;
  leadOnly?: boolean;
  status?: ItemFilter['status'];
  colour?: ItemFilter['colour'];
  behindSchedule?: boolean;
  due?: [Dayjs, Dayjs];
}

/** The filters live in the address, so a cell of the board links straight to its items. */
function useFilters(): [Filters & { page: number; pageSize: number }, (f: Filters, page?: number, pageSize?: number) => void] {
  const [params, setParams] = useSearchParams();
  const get = (k: string) => params.get(k) ?? undefined;
  const from = get('dueFrom');
  const to = get('dueTo');
  const current = {
    action: get('action'),
    department: get('department'),
    leadOnly: get('leadOnly') === '1',
    status: get('status') as Filters['status'],
    colour: get('colour') as Filters['colour'],
    behindSchedule: get('behindSchedule') === 'true',
    due: from && to ? ([dayjs(from), dayjs(to)] as [Dayjs, Dayjs]) : undefined,
    page: Number(get('page') ?? 1) || 1,
    pageSize: Number(get('pageSize') ?? 20) || 20,
  };
  const set = (f: Filters, page = 1, pageSize = current.pageSize) => {
    const q = new URLSearchParams();
    if (f.action) q.set('action', f.action);
    if (f.department) q.set('department', f.department);
    if (f.department && f.leadOnly) q.set('leadOnly', '1');
    if (f.status) q.set('status', f.status);
    if (f.colour) q.set('colour', f.colour);
    if (f.behindSchedule) q.set('behindSchedule', 'true');
    if (f.due) {
      q.set('dueFrom', f.due[0].format('YYYY-MM-DD'));
      q.set('dueTo', f.due[1].format('YYYY-MM-DD'));
    }
    if (page > 1) q.set('page', String(page));
    if (pageSize !== 20) q.set('pageSize', String(pageSize));
    setParams(q);
  };
  return [current, set];
}

/**
 * 事项清单: every item of the plan, filtered by action, department, status,
 * colour and due range. "Lead only" narrows a department's items to those it
 * leads (the API's department filter takes co-operating ones too); a plan
 * has a few dozen items, so those are fetched in one page and paged here.
 */
export function ItemListPage() {
  const { plan, error: planError } = usePlan();
  const { list: departments } = useDepartments();
  const [filters, setFilters] = useFilters();
  const { data: groups } = useLoad(async () => (plan ? fetchGroups(plan.code) : []), [plan?.code]);
  const groupByCode = useMemo(() => new Map((groups ?? []).map((g) => [g.code, g])), [groups]);
  const leadOnly = Boolean(filters.leadOnly && filters.department);
  const query: ItemFilter = {
    action: filters.action,
    department: filters.department,
    status: filters.status,
    colour: filters.colour,
    ...(filters.behindSchedule ? { behindSchedule: 'true' as const } : {}),
    dueFrom: filters.due?.[0].format('YYYY-MM-DD'),
    dueTo: filters.due?.[1].format('YYYY-MM-DD'),
    ...(leadOnly ? { page: 1, pageSize: 200 } : { page: filters.page, pageSize: filters.pageSize }),
  };
  const { data, error, loading } = useLoad(
    async (): Promise<ItemPage | undefined> => {
      if (!plan) return undefined;
      const page = await fetchItems(plan.code, query);
      if (!leadOnly) return page;
      const items = page.items.filter((i) => i.lead === filters.department);
      return { total: items.length, page: 1, pageSize: items.length, items };
    },
    [plan?.code, JSON.stringify(query), leadOnly],
  );
  const [form] = Form.useForm<Filters>();
  return (
    <>
      <Typography.Title level={2}>事项清单</Typography.Title>
      <LoadError error={planError ?? error} />
      <Card style={{ marginBottom: 16 }}>
        <Form<Filters>
          form={form}
          name="item-filters"
          layout="inline"
          initialValues={filters}
          key={JSON.stringify(filters)}
          onFinish={(v) => setFilters(v)}
          style={{ rowGap: 12 }}
        >
          <Form.Item name="action" label="重点行动/保障措施">
            <Select allowClear style={{ width: 260 }} options={(groups ?? []).map((g) => ({ value: g.code, label: groupLabel(g) }))} />
          </Form.Item>
          <Form.Item name="department" label="部门">
            <Select
              allowClear
              showSearch={{ optionFilterProp: 'label' }}
              style={{ width: 180 }}
             
              options={departmentOptions(departments, (d) => d.kind !== 'leading-group')}
            />
          </Form.Item>
          <Form.Item name="leadOnly" valuePropName="checked">
            <Checkbox>仅牵头</Checkbox>
          </Form.Item>
          <Form.Item name="status" label="状态">
            <Select allowClear style={{ width: 120 }} options={Object.entries(STATUS).map(([value, word]) => ({ value, label: word }))} />
          </Form.Item>
          <Form.Item name="colour" label="红黄绿灯">
            <Select allowClear style={{ width: 110 }} options={Object.entries(COLOUR).map(([value, c]) => ({ value, label: c.text }))} />
          </Form.Item>
          <Form.Item name="behindSchedule" valuePropName="checked">
            <Checkbox>仅滞后</Checkbox>
          </Form.Item>
          <Form.Item name="due" label="下一期限">
            <DatePicker.RangePicker placeholder={['开始日期', '结束日期']} />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit">
                查询
              </Button>
              <Button onClick={() => setFilters({})}>重置</Button>
            </Space>
          </Form.Item>
        </Form>
      </Card>
      <Card>
        <ListTable<ListedItem>
          size="small"
          rowKey="code"
          loading={loading}
          rows={data?.items}
          scroll={{ x: 'max-content' }}
          paging={leadOnly ? { pageSize: 20 } : { server: { page: filters.page, pageSize: filters.pageSize, total: data?.total ?? 0, onChange: (p, s) => setFilters(filters, p, s) } }}
          columns={[
            { title: '编号', dataIndex: 'code', width: 80 },
            { title: '事项', dataIndex: 'title', render: (v: string, r) => (plan ? <Link to={itemPath(plan.code, r.code)}>{v}</Link> : v) },
            { title: '所属', dataIndex: 'group', width: 150, render: (v: string) => { const g = groupByCode.get(v); return g ? <span title={groupLabel(g)}>{g.title}</span> : '—'; } },
            { title: '牵头单位', dataIndex: 'lead', width: 120, render: (v: string | null) => <DepartmentName code={v} /> },
            { title: '状态', dataIndex: 'status', width: 90, render: (v: string) => label(STATUS, v) },
            { title: '红黄绿灯', dataIndex: 'colour', width: 90, render: (v: string | null) => <ColourMark colour={v} /> },
            { title: '序时进度', dataIndex: 'schedule', width: 170, render: (v: ListedItem['schedule']) => <ScheduleMark schedule={v} /> },
            { title: '下一期限', dataIndex: 'nextDue', width: 130, render: (v: string | null) => chineseDate(v) },
            { title: '已达层级', dataIndex: 'escalationLevel', width: 110, render: (v: number) => rungOfLevel(v) },
          ]}
        />
      </Card>
    </>
  );
}
