import { Alert, Button, Card, DatePicker, Form, InputNumber, Select, Space, Typography, message } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import { ApiError, apiError, formFields } from '../../api/errors';
import type { Body } from '../../api/types';
import { ListTable } from '../../components/ListTable';
import { departmentOptions, useDepartments } from '../../departments';
import { chineseDate } from '../../format';
import { useLoad } from '../../hooks';
import { CADENCE } from '../../labels';
import { fetchItem, itemPath } from '../item/types';
import { fetchGroups, fetchItems, groupLabel, LoadError, usePlan, useRequestKey, type ListedItem } from './shared';

type Assignment = Body<'/api/v1/plans/{plan}/items/{item}/assign', 'post'>;

/** One item's row of the form: its departments, as the API takes them, still open while being chosen. */
interface Row extends Partial<Pick<Assignment, 'lead' | 'cooperating'>> {
  itemCode: string;
}

/** The form: the rows, and the settings shared by every item (dates as the picker holds them). */
interface Values extends Pick<Assignment, 'cadence' | 'acknowledgeWithinWorkingDays'> {
  items: Row[];
  startDate?: Dayjs;
  finalDeadline?: Dayjs;
}

interface Result {
  itemCode: string;
  ok: boolean;
  text: string;
}

type FieldName = (string | number)[];

/**
 * Where an API error about one item's request goes on this form: lead and
 * co-operating departments on the item's row, the shared fields (cadence,
 * dates, window) on the shared controls.
 */
function placeError(name: FieldName, index: number): FieldName {
  const rest = name[0] === 'items' && typeof name[1] === 'number' ? name.slice(2) : name;
  if (rest[0] === 'lead' || rest[0] === 'cooperating') return ['items', index, rest[0]];
  if (rest[0] === 'itemCode') return ['items', index, 'lead'];
  return [rest[0] ?? 'items'];
}

/** 交办: the unassigned items, with checkboxes; the plan's proposed departments filled in; one item or many at once. */
export function AssignPage() {
  const { plan, error: planError } = usePlan();
  const { list: departments } = useDepartments();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(10);
  const [tick, setTick] = useState(0);
  const { data, error, loading } = useLoad(async () => (plan ? fetchItems(plan.code, { status: 'unassigned', page, pageSize }) : undefined), [plan?.code, page, pageSize, tick]);
  const { data: groups } = useLoad(async () => (plan ? fetchGroups(plan.code) : []), [plan?.code]);
  const groupByCode = useMemo(() => new Map((groups ?? []).map((g) => [g.code, g])), [groups]);
  const [selected, setSelected] = useState<ListedItem[]>([]);
  const [proposals, setProposals] = useState<Map<string, Row>>(new Map());
  const [results, setResults] = useState<Result[]>();
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<Values>();
  const keys = useRequestKey();
  // The leading group receives reports; it never leads or co-operates on an item. Cities (设区市) may, as the API allows.
  const options = departmentOptions(departments, (d) => d.kind !== 'leading-group');

  // The plan's proposal (牵头单位 and 配合单位) for each selected item, read once.
  useEffect(() => {
    if (!plan) return;
    const missing = selected.filter((s) => !proposals.has(s.code));
    if (!missing.length) return;
    let live = true;
    void Promise.all(
      missing.map(async (s): Promise<Row> => {
        try {
          const d = await fetchItem(plan.code, s.code);
          return { itemCode: s.code, lead: d.proposal.find((p) => p.role === 'lead')?.code, cooperating: d.proposal.filter((p) => p.role !== 'lead').map((p) => p.code) };
        } catch {
          return { itemCode: s.code, cooperating: [] };
        }
      }),
    ).then((rows) => {
      if (!live) return;
      setProposals((prev) => new Map([...prev, ...rows.map((r) => [r.itemCode, r] as const)]));
    });
    return () => {
      live = false;
    };
  }, [plan, selected, proposals]);

  // The form's rows follow the selection; what was already edited stays.
  useEffect(() => {
    const current = new Map((form.getFieldValue('items') as Row[] | undefined)?.filter(Boolean).map((r) => [r.itemCode, r]) ?? []);
    form.setFieldsValue({ items: selected.map((s) => (current.get(s.code)?.lead !== undefined ? current.get(s.code)! : (proposals.get(s.code) ?? { itemCode: s.code, cooperating: [] }))) });
  }, [selected, proposals, form]);

  const body = (v: Values, row: Row) => ({
    lead: row.lead ?? '',
    cooperating: row.cooperating ?? [],
    ...(v.cadence ? { cadence: v.cadence } : {}),
    ...(v.startDate ? { startDate: v.startDate.format('YYYY-MM-DD') } : {}),
    ...(v.finalDeadline ? { finalDeadline: v.finalDeadline.format('YYYY-MM-DD') } : {}),
    ...(v.acknowledgeWithinWorkingDays !== undefined && v.acknowledgeWithinWorkingDays !== null ? { acknowledgeWithinWorkingDays: v.acknowledgeWithinWorkingDays } : {}),
  });

  const showFieldErrors = (err: ApiError, index: number) => {
    const fields = formFields(err).map((f) => ({ ...f, name: placeError(f.name, index) }));
    if (fields.length) form.setFields(fields as Parameters<typeof form.setFields>[0]);
  };

  const submit = async (v: Values) => {
    if (!plan) return;
    const rows = (v.items ?? []).filter(Boolean);
    setBusy(true);
    setFormError(undefined);
    setResults(undefined);
    try {
      let outcome: Result[];
      if (rows.length === 1) {
        const row = rows[0]!;
        try {
          await unwrap(api.POST('/api/v1/plans/{plan}/items/{item}/assign', { params: { path: { plan: plan.code, item: row.itemCode } }, headers: { 'idempotency-key': keys.key() }, body: body(v, row) }));
          keys.next();
          outcome = [{ itemCode: row.itemCode, ok: true, text: '已交办' }];
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          showFieldErrors(err, 0);
          outcome = [{ itemCode: row.itemCode, ok: false, text: err.text }];
        }
      } else {
        const answer = await unwrap(api.POST('/api/v1/plans/{plan}/assignments', { params: { path: { plan: plan.code } }, body: { items: rows.map((r) => ({ itemCode: r.itemCode, ...body(v, r) })) } }));
        outcome = answer.results.map((r) => {
          if (!('error' in r)) return { itemCode: r.itemCode, ok: true, text: '已交办' };
          const err = apiError(r.status, { error: r.error });
          showFieldErrors(err, r.index);
          const detail = err.fields.length ? `:${err.fields.map((f) => `${fieldLabel(f.field)}${f.message}`).join(';')}` : '';
          return { itemCode: r.itemCode, ok: false, text: `${err.text}${detail}` };
        });
      }
      setResults(outcome);
      const done = new Set(outcome.filter((o) => o.ok).map((o) => o.itemCode));
      if (done.size) {
        void message.success(`已交办 ${done.size} 项`);
        setSelected((s) => s.filter((i) => !done.has(i.code)));
        setTick((t) => t + 1);
      }
    } catch (err) {
      if (err instanceof ApiError) {
        // The whole request was refused (bad input): each field named goes next to its control.
        form.setFields(formFields(err).map((f) => ({ ...f, name: placeError(f.name, typeof f.name[1] === 'number' ? f.name[1] : 0) })) as Parameters<typeof form.setFields>[0]);
        setFormError(err.text);
      } else setFormError('交办未成功,请稍后重试');
    } finally {
      setBusy(false);
    }
  };

  const title = (code: string) => selected.find((s) => s.code === code)?.title ?? code;

  return (
    <>
      <Typography.Title level={2}>交办</Typography.Title>
      <LoadError error={planError ?? error} />
      <Card title="未交办事项" style={{ marginBottom: 16 }} extra={selected.length ? <span>已选 {selected.length} 项</span> : null}>
        <ListTable<ListedItem>
          size="small"
          rowKey="code"
          loading={loading}
          rows={data?.items}
          empty="所有事项均已交办"
          rowHoverable={false}
          rowSelection={{
            selectedRowKeys: selected.map((s) => s.code),
            preserveSelectedRowKeys: true,
            onChange: (_keys, rows) => setSelected((prev) => {
              const visible = new Set((data?.items ?? []).map((i) => i.code));
              const kept = prev.filter((p) => !visible.has(p.code));
              return [...kept, ...rows.filter((r): r is ListedItem => Boolean(r) && visible.has(r.code))];
            }),
            getCheckboxProps: (r) => ({ 'aria-label': `选择 ${r.code} ${r.title}` }) as object,
          }}
          paging={{ server: { page, pageSize, total: data?.total ?? 0, onChange: (p, s) => (setPage(p), setPageSize(s)) } }}
          columns={[
            { title: '编号', dataIndex: 'code', width: 80 },
            { title: '事项', dataIndex: 'title', render: (v: string, r) => (plan ? <Link to={itemPath(plan.code, r.code)}>{v}</Link> : v) },
            { title: '所属', dataIndex: 'group', width: 150, render: (v: string) => { const g = groupByCode.get(v); return g ? <span title={groupLabel(g)}>{g.title}</span> : '—'; } },
          ]}
        />
      </Card>

      <Card title={selected.length > 1 ? `批量交办(${selected.length} 项)` : '交办设置'}>
        {results ? (
          <Alert
            style={{ marginBottom: 16 }}
            type={results.every((r) => r.ok) ? 'success' : results.some((r) => r.ok) ? 'warning' : 'error'}
            showIcon
            role="status"
            title="交办结果"
            description={
              <ul style={{ margin: 0, paddingLeft: 20 }}>
                {results.map((r) => (
                  <li key={r.itemCode}>
                    <Typography.Text strong>{r.ok ? '【成功】' : '【未成功】'}</Typography.Text>
                    {r.itemCode} {r.ok && plan ? <Link to={itemPath(plan.code, r.itemCode)} style={{ textDecoration: 'underline' }}>{r.text},查看事项</Link> : r.text}
                  </li>
                ))}
              </ul>
            }
          />
        ) : null}
        {formError ? <Alert type="error" showIcon title={formError} role="alert" style={{ marginBottom: 16 }} /> : null}
        {!selected.length ? (
          <Typography.Paragraph type="secondary">请在上方勾选一项或多项未交办事项;牵头单位和配合单位按计划分工自动填入,可调整。</Typography.Paragraph>
        ) : null}
        <Form<Values> form={form} name="assign" layout="vertical" onFinish={submit} initialValues={{ items: [] }} hidden={!selected.length}>
          <Form.List name="items">
            {(fields) => (
              <ListTable
                size="small"
                rowKey="key"
                paging={{ pageSize: 10 }}
                rows={fields}
                style={{ marginBottom: 16 }}
                columns={[
                  {
                    title: '事项',
                    key: 'item',
                    render: (_, f) => {
                      const code = form.getFieldValue(['items', f.name, 'itemCode']) as string;
                      return (
                        <>
                          {code} {title(code)}
                          <Form.Item name={[f.name, 'itemCode']} hidden>
                            <input aria-label="事项编号" />
                          </Form.Item>
                        </>
                      );
                    },
                  },
                  {
                    title: '牵头单位',
                    key: 'lead',
                    width: 200,
                    render: (_, f) => (
                      <Form.Item name={[f.name, 'lead']} rules={[{ required: true, message: '请选择牵头单位' }]} style={{ margin: 0 }}>
                        <Select aria-label={`牵头单位:${title(form.getFieldValue(['items', f.name, 'itemCode']) as string)}`} showSearch={{ optionFilterProp: 'label' }} options={options} />
                      </Form.Item>
                    ),
                  },
                  {
                    title: '配合单位',
                    key: 'cooperating',
                    width: 360,
                    render: (_, f) => (
                      <Form.Item
                        name={[f.name, 'cooperating']}
                        style={{ margin: 0 }}
                        dependencies={[['items', f.name, 'lead']]}
                        rules={[
                          ({ getFieldValue }) => ({
                            validator: async (_r, v: string[] | undefined) => {
                              if (v?.includes(getFieldValue(['items', f.name, 'lead']) as string)) throw new Error('牵头单位不能同时作为配合单位');
                            },
                          }),
                        ]}
                      >
                        <Select mode="multiple" aria-label={`配合单位:${title(form.getFieldValue(['items', f.name, 'itemCode']) as string)}`} showSearch={{ optionFilterProp: 'label' }} options={options} maxTagCount="responsive" />
                      </Form.Item>
                    ),
                  },
                ]}
              />
            )}
          </Form.List>
          <Space wrap size="large" align="start">
            <Form.Item name="cadence" label="报送周期" extra="不选则按计划默认(每季度)">
              <Select allowClear style={{ width: 160 }} options={Object.entries(CADENCE).map(([value, l]) => ({ value, label: l }))} />
            </Form.Item>
            <Form.Item name="startDate" label="开始日期" extra="不填则为交办当日">
              <DatePicker style={{ width: 180 }} placeholder="交办当日" />
            </Form.Item>
            <Form.Item
              name="finalDeadline"
              label="完成时限"
              extra={plan ? `不填则为计划期末(${chineseDate(plan.periodEnd)})` : undefined}
              dependencies={['startDate']}
              rules={[
                ({ getFieldValue }) => ({
                  validator: async (_r, v: Dayjs | undefined) => {
                    const start = getFieldValue('startDate') as Dayjs | undefined;
                    if (v && start && v.isBefore(start, 'day')) throw new Error('不能早于开始日期');
                  },
                }),
              ]}
            >
              <DatePicker style={{ width: 180 }} placeholder="计划期末" />
            </Form.Item>
            <Form.Item name="acknowledgeWithinWorkingDays" label="签收时限(工作日)" extra="不填则按计划默认(3个工作日)">
              <InputNumber min={0} max={60} precision={0} style={{ width: 160 }} />
            </Form.Item>
          </Space>
          <Space>
            <Button type="primary" htmlType="submit" loading={busy}>
              {selected.length > 1 ? `交办所选 ${selected.length} 项` : '交办'}
            </Button>
            <Button onClick={() => (setSelected([]), setResults(undefined), setFormError(undefined))}>清空选择</Button>
          </Space>
        </Form>
      </Card>
    </>
  );
}

const FIELD_LABELS: Record<string, string> = { lead: '牵头单位', cooperating: '配合单位', cadence: '报送周期', startDate: '开始日期', finalDeadline: '完成时限', acknowledgeWithinWorkingDays: '签收时限' };

function fieldLabel(field: string): string {
  const key = field.split(/[.[\]]/).filter(Boolean).find((p) => FIELD_LABELS[p]);
  return key ? `${FIELD_LABELS[key]}` : '';
}
