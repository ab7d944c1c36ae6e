import { Badge, Card, DatePicker, Descriptions, Form, Input, Select, Space, Tabs, Typography, message } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import type { ApiError } from '../../api/errors';
import type { Answer } from '../../api/types';
import { ActionModal } from '../../components/ActionModal';
import { ListTable } from '../../components/ListTable';
import { DepartmentName, departmentOptions, useDepartments } from '../../departments';
import { chineseDate, chineseDateTime } from '../../format';
import { useLoad } from '../../hooks';
import { GRADE_OPTIONS, label, STATUS, type Grade } from '../../labels';
import { itemPath, OPEN_STATUSES } from '../item/types';
import { fetchItems, LoadError, rungOfLevel, usePlan, useRequestKey, type ItemFilter, type ListedItem } from './shared';
import { atMost, TEXT_LIMITS } from '../../limits';

type Queue = Answer<'/api/v1/review/queue', 'get'>;
type ReportToReview = Queue['reports'][number];
type ExtensionToDecide = Queue['extensions'][number];
type CompletionToDecide = Queue['completions'][number];
/** What every entry of the queue names: its item. */
type Queued = Pick<ReportToReview | ExtensionToDecide | CompletionToDecide, 'plan' | 'item' | 'title'>;

const path = (r: Queued) => ({ params: { path: { plan: r.plan, item: r.item } } });
const comment = (v?: string) => (v && v.trim() ? { comment: v.trim() } : {});
const conflict = (what: string) => (err: ApiError) => (err.code === 'conflict' ? `${what}:事项状态已变化,请刷新后再试` : undefined);

function ItemLink({ r }: { r: Queued }) {
  return (
    <Link to={itemPath(r.plan, r.item)}>
      {r.item} {r.title}
    </Link>
  );
}

const commentField = (name: string, labelText: string, required = false) => (
  <Form.Item name={name} label={labelText} rules={[{ required, whitespace: true, message: `请填写${labelText}` }, atMost('comment')]}>
    <Input.TextArea rows={3} showCount maxLength={TEXT_LIMITS.comment} />
  </Form.Item>
);

function ReviewActions({ r, onDone }: { r: ReportToReview; onDone: () => void }) {
  const accept = useRequestKey();
  const back = useRequestKey();
  return (
    <Space wrap>
      <ActionModal<{ comment?: string }>
        label="通过"
        title={`审核通过:${r.title} 第${r.periodSeq}期`}
        name={`accept-${r.item}-${r.periodSeq}`}
        buttonProps={{ type: 'primary', size: 'small' }}
        okText="通过"
        onSubmit={async (v) => {
          await unwrap(api.POST('/api/v1/plans/{plan}/items/{item}/review', { ...path(r), headers: { 'idempotency-key': accept.key() }, body: { decision: 'accept', ...comment(v.comment) } }));
          accept.next();
          void message.success('已审核通过');
          onDone();
        }}
        explain={conflict('不能审核')}
      >
        {commentField('comment', '审核意见')}
      </ActionModal>
      <ActionModal<{ newDueOn: Dayjs; comment?: string }>
        label="退回"
        title={`退回修改:${r.title} 第${r.periodSeq}期`}
        name={`return-${r.item}-${r.periodSeq}`}
        buttonProps={{ size: 'small' }}
        okText="退回"
        onSubmit={async (v, form) => {
          try {
            await unwrap(
              api.POST('/api/v1/plans/{plan}/items/{item}/review', {
                ...path(r),
                headers: { 'idempotency-key': back.key() },
                body: { decision: 'return', newDueOn: v.newDueOn.format('YYYY-MM-DD'), ...comment(v.comment) },
              }),
            );
          } catch (err) {
            if ((err as ApiError).code === 'invalid_date') form.setFields([{ name: 'newDueOn', errors: ['该日期不可用,请选择今后的工作日'] }]);
            throw err;
          }
          back.next();
          void message.success('已退回,待牵头单位重新报送');
          onDone();
        }}
        explain={conflict('不能退回')}
      >
        <Form.Item name="newDueOn" label="重新报送期限" rules={[{ required: true, message: '请选择重新报送期限' }]}>
          <DatePicker style={{ width: '100%' }} />
        </Form.Item>
        {commentField('comment', '退回意见', true)}
      </ActionModal>
    </Space>
  );
}

function ReportDetail({ r }: { r: ReportToReview }) {
  if (!r.report) return <Typography.Text type="secondary">未找到牵头单位的汇总报告。</Typography.Text>;
  const p = r.report;
  return (
    <Descriptions size="small" column={1} bordered styles={{ label: { width: 120 } }}>
      <Descriptions.Item label="报送单位">
        <DepartmentName code={p.department} />(第{p.version}版,{chineseDateTime(p.submittedAt)})
      </Descriptions.Item>
      <Descriptions.Item label="进展情况">
        <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{p.progress}</Typography.Paragraph>
      </Descriptions.Item>
      <Descriptions.Item label="完成比例">{p.percentDone}%</Descriptions.Item>
      <Descriptions.Item label="存在问题">
        <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{p.problems || '—'}</Typography.Paragraph>
      </Descriptions.Item>
      <Descriptions.Item label="下步打算">
        <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{p.nextSteps || '—'}</Typography.Paragraph>
      </Descriptions.Item>
      <Descriptions.Item label="附件链接">
        {p.attachments.length ? (
          <ul style={{ margin: 0, paddingLeft: 20 }}>
            {p.attachments.map((a, i) => (
              <li key={a}>
                <a href={a} target="_blank" rel="noreferrer noopener">
                  附件{i + 1}:{a}
                </a>
              </li>
            ))}
          </ul>
        ) : (
          '—'
        )}
      </Descriptions.Item>
    </Descriptions>
  );
}

function ReportsTab({ rows, onDone }: { rows: ReportToReview[]; onDone: () => void }) {
  return (
    <ListTable<ReportToReview>
      size="small"
      rowKey={(r) => `${r.plan}:${r.item}:${r.periodSeq}`}
      rows={rows}
      empty="暂无待审核的进展报告"
      paging={{ pageSize: 10 }}
      expandable={{ expandedRowRender: (r) => <ReportDetail r={r} /> }}
      scroll={{ x: 'max-content' }}
      columns={[
        { title: '事项', key: 'item', render: (_, r) => <ItemLink r={r} /> },
        { title: '牵头单位', dataIndex: 'lead', width: 110, render: (v: string) => <DepartmentName code={v} /> },
        {
          title: '报送期',
          key: 'period',
          width: 140,
          render: (_, r) => (
            <>
              第{r.periodSeq}期
              <br />
              截至{chineseDate(r.endsOn)}
            </>
          ),
        },
        {
          title: '报送期限',
          key: 'due',
          width: 140,
          render: (_, r) => (
            <>
              {chineseDate(r.dueOn)}
              {r.dueOn !== r.originalDueOn ? (
                <>
                  <br />
                  原定{chineseDate(r.originalDueOn)}
                </>
              ) : null}
            </>
          ),
        },
        { title: '报送时间', key: 'at', width: 150, render: (_, r) => chineseDateTime(r.report?.submittedAt) },
        { title: '完成比例', key: 'pct', width: 80, align: 'right', render: (_, r) => (r.report ? `${r.report.percentDone}%` : '—') },
        { title: '操作', key: 'actions', width: 150, fixed: 'right', render: (_, r) => <ReviewActions r={r} onDone={onDone} /> },
      ]}
    />
  );
}

function ExtensionActions({ r, onDone }: { r: ExtensionToDecide; onDone: () => void }) {
  const yes = useRequestKey();
  const no = useRequestKey();
  const decide = async (key: string, body: { approve: boolean; dueOn?: string; comment?: string }) =>
    unwrap(api.POST('/api/v1/plans/{plan}/items/{item}/extension-decision', { ...path(r), headers: { 'idempotency-key': key }, body: { extensionId: r.extensionId, ...body } }));
  return (
    <Space wrap>
      <ActionModal<{ dueOn?: Dayjs; comment?: string }>
        label="批准"
        title={`批准延期:${r.title} 第${r.periodSeq}期`}
        name={`approve-ext-${r.item}`}
        buttonProps={{ type: 'primary', size: 'small' }}
        okText="批准"
        initialValues={{ dueOn: dayjs(r.requestedDueOn) }}
        onSubmit={async (v, form) => {
          try {
            await decide(yes.key(), { approve: true, ...(v.dueOn ? { dueOn: v.dueOn.format('YYYY-MM-DD') } : {}), ...comment(v.comment) });
          } catch (err) {
            if ((err as ApiError).code === 'invalid_date') form.setFields([{ name: 'dueOn', errors: ['该日期不可用,请选择晚于现行期限的工作日'] }]);
            throw err;
          }
          yes.next();
          void message.success('已批准延期');
          onDone();
        }}
        explain={conflict('不能批准')}
      >
        <p>申请延期至:{chineseDate(r.requestedDueOn)}</p>
        <Form.Item name="dueOn" label="批准延期至" extra="默认按申请日期,可改为其他日期">
          <DatePicker style={{ width: '100%' }} />
        </Form.Item>
        {commentField('comment', '审批意见')}
      </ActionModal>
      <ActionModal<{ comment?: string }>
        label="不批准"
        title={`不批准延期:${r.title} 第${r.periodSeq}期`}
        name={`reject-ext-${r.item}`}
        buttonProps={{ size: 'small' }}
        okText="不批准"
        onSubmit={async (v) => {
          await decide(no.key(), { approve: false, ...comment(v.comment) });
          no.next();
          void message.success('已不予批准');
          onDone();
        }}
        explain={conflict('不能审批')}
      >
        {commentField('comment', '不予批准的理由', true)}
      </ActionModal>
    </Space>
  );
}

function ExtensionsTab({ rows, onDone }: { rows: ExtensionToDecide[]; onDone: () => void }) {
  return (
    <ListTable<ExtensionToDecide>
      size="small"
      rowKey="extensionId"
      rows={rows}
      empty="暂无待审批的延期申请"
      paging={{ pageSize: 10 }}
      scroll={{ x: 'max-content' }}
      columns={[
        { title: '事项', key: 'item', render: (_, r) => <ItemLink r={r} /> },
        { title: '牵头单位', dataIndex: 'lead', width: 110, render: (v: string) => <DepartmentName code={v} /> },
        { title: '报送期', dataIndex: 'periodSeq', width: 80, render: (v: number) => `第${v}期` },
        { title: '现行期限', dataIndex: 'dueOn', width: 130, render: (v: string | null) => chineseDate(v) },
        { title: '申请延期至', dataIndex: 'requestedDueOn', width: 130, render: (v: string) => chineseDate(v) },
        { title: '理由', dataIndex: 'reason', render: (v: string) => <Typography.Paragraph style={{ margin: 0, maxWidth: 360, whiteSpace: 'pre-wrap' }}>{v}</Typography.Paragraph> },
        { title: '申请时间', dataIndex: 'requestedAt', width: 160, render: (v: string) => chineseDateTime(v) },
        { title: '操作', key: 'actions', width: 160, fixed: 'right', render: (_, r) => <ExtensionActions r={r} onDone={onDone} /> },
      ]}
    />
  );
}

function CompletionActions({ r, onDone }: { r: CompletionToDecide; onDone: () => void }) {
  const yes = useRequestKey();
  const no = useRequestKey();
  return (
    <Space wrap>
      <ActionModal<{ grade: Grade; comment?: string }>
        label="同意办结"
        title={`同意办结:${r.title}`}
        name={`approve-done-${r.item}`}
        buttonProps={{ type: 'primary', size: 'small' }}
        okText="同意办结"
        onSubmit={async (v) => {
          await unwrap(api.POST('/api/v1/plans/{plan}/items/{item}/completion-decision', { ...path(r), headers: { 'idempotency-key': yes.key() }, body: { approve: true, grade: v.grade, ...comment(v.comment) } }));
          yes.next();
          void message.success('已同意办结');
          onDone();
        }}
        explain={conflict('不能办结')}
      >
        <Form.Item name="grade" label="评定等次" rules={[{ required: true, message: '请选择评定等次' }]}>
          <Select options={GRADE_OPTIONS} />
        </Form.Item>
        {commentField('comment', '审定意见')}
      </ActionModal>
      <ActionModal<{ comment?: string }>
        label="不同意"
        title={`不同意办结:${r.title}`}
        name={`reject-done-${r.item}`}
        buttonProps={{ size: 'small' }}
        okText="不同意办结"
        onSubmit={async (v) => {
          await unwrap(api.POST('/api/v1/plans/{plan}/items/{item}/completion-decision', { ...path(r), headers: { 'idempotency-key': no.key() }, body: { approve: false, ...comment(v.comment) } }));
          no.next();
          void message.success('已退回办结申请');
          onDone();
        }}
        explain={conflict('不能审定')}
      >
        {commentField('comment', '不同意的理由', true)}
      </ActionModal>
    </Space>
  );
}

function CompletionsTab({ rows, onDone }: { rows: CompletionToDecide[]; onDone: () => void }) {
  return (
    <ListTable<CompletionToDecide>
      size="small"
      rowKey={(r) => `${r.plan}:${r.item}`}
      rows={rows}
      empty="暂无待审定的办结申请"
      paging={{ pageSize: 10 }}
      scroll={{ x: 'max-content' }}
      columns={[
        { title: '事项', key: 'item', render: (_, r) => <ItemLink r={r} /> },
        { title: '牵头单位', dataIndex: 'lead', width: 110, render: (v: string) => <DepartmentName code={v} /> },
        { title: '完成时限', dataIndex: 'finalDeadline', width: 130, render: (v: string) => chineseDate(v) },
        { title: '完成情况总结', dataIndex: 'summary', render: (v: string | null) => <Typography.Paragraph style={{ margin: 0, maxWidth: 420, whiteSpace: 'pre-wrap' }} ellipsis={{ rows: 3, expandable: true, symbol: '展开' }}>{v || '—'}</Typography.Paragraph> },
        { title: '操作', key: 'actions', width: 190, fixed: 'right', render: (_, r) => <CompletionActions r={r} onDone={onDone} /> },
      ]}
    />
  );
}

function ReassignButton({ plan, r, onDone }: { plan: string; r: ListedItem; onDone: () => void }) {
  const keys = useRequestKey();
  const { list } = useDepartments();
  return (
    <ActionModal<{ newLead: string; reason: string }>
      label="改派"
      title={`改派牵头单位:${r.title}`}
      name={`reassign-${r.code}`}
      buttonProps={{ size: 'small' }}
      okText="改派"
      onSubmit={async (v) => {
        await unwrap(api.POST('/api/v1/plans/{plan}/items/{item}/reassign', { params: { path: { plan, item: r.code } }, headers: { 'idempotency-key': keys.key() }, body: { newLead: v.newLead, reason: v.reason } }));
        keys.next();
        void message.success('已改派牵头单位');
        onDone();
      }}
      explain={conflict('不能改派')}
    >
      <p>
        现牵头单位:<DepartmentName code={r.lead} />
      </p>
      <Form.Item name="newLead" label="新牵头单位" rules={[{ required: true, message: '请选择新牵头单位' }]}>
        <Select showSearch={{ optionFilterProp: 'label' }} options={departmentOptions(list, (d) => d.code !== r.lead && d.kind !== 'leading-group')} />
      </Form.Item>
      <Form.Item name="reason" label="改派理由" rules={[{ required: true, whitespace: true, message: '请填写改派理由' }, atMost('comment')]}>
        <Input.TextArea rows={3} showCount maxLength={TEXT_LIMITS.comment} />
      </Form.Item>
    </ActionModal>
  );
}

function CancelButton({ plan, r, onDone }: { plan: string; r: ListedItem; onDone: () => void }) {
  const keys = useRequestKey();
  return (
    <ActionModal<{ reason: string }>
      label="撤销"
      title={`撤销事项:${r.title}`}
      name={`cancel-${r.code}`}
      buttonProps={{ size: 'small' }}
      okText="撤销事项"
      onSubmit={async (v) => {
        await unwrap(api.POST('/api/v1/plans/{plan}/items/{item}/cancel', { params: { path: { plan, item: r.code } }, headers: { 'idempotency-key': keys.key() }, body: { reason: v.reason } }));
        keys.next();
        void message.success('事项已撤销');
        onDone();
      }}
      explain={conflict('不能撤销')}
    >
      <Typography.Paragraph>撤销后该事项停止催办、督办,所有未解除的催督办一并解除。</Typography.Paragraph>
      <Form.Item name="reason" label="撤销理由" rules={[{ required: true, whitespace: true, message: '请填写撤销理由' }, atMost('comment')]}>
        <Input.TextArea rows={3} showCount maxLength={TEXT_LIMITS.comment} />
      </Form.Item>
    </ActionModal>
  );
}

/** 改派 and 撤销: open items, by status. */
function OpenItemsTab({ plan, onDone }: { plan: string; onDone: () => void }) {
  const [status, setStatus] = useState<ItemFilter['status']>('in_progress');
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(10);
  const [tick, setTick] = useState(0);
  const { data, error, loading } = useLoad(() => fetchItems(plan, { status, page, pageSize }), [plan, status, page, pageSize, tick]);
  const done = () => {
    setTick((t) => t + 1);
    onDone();
  };
  return (
    <>
      <LoadError error={error} />
      <Space style={{ marginBottom: 12 }}>
        <label htmlFor="review-open-status">事项状态</label>
        <Select
          id="review-open-status"
          style={{ width: 140 }}
          value={status}
          onChange={(v) => (setStatus(v), setPage(1))}
          options={OPEN_STATUSES.map((s) => ({ value: s, label: label(STATUS, s) }))}
        />
      </Space>
      <ListTable<ListedItem>
        size="small"
        rowKey="code"
        loading={loading}
        rows={data?.items}
        empty="暂无此状态的事项"
        paging={{ server: { page, pageSize, total: data?.total ?? 0, onChange: (p, s) => (setPage(p), setPageSize(s)) } }}
        scroll={{ x: 'max-content' }}
        columns={[
          { title: '事项', key: 'item', render: (_, r) => <Link to={itemPath(plan, r.code)}>{r.code} {r.title}</Link> },
          { title: '牵头单位', dataIndex: 'lead', width: 110, render: (v: string | null) => <DepartmentName code={v} /> },
          { title: '状态', dataIndex: 'status', width: 90, render: (v: string) => label(STATUS, v) },
          { title: '下一期限', dataIndex: 'nextDue', width: 130, render: (v: string | null) => chineseDate(v) },
          { title: '已达层级', dataIndex: 'escalationLevel', width: 110, render: (v: number) => rungOfLevel(v) },
          {
            title: '操作',
            key: 'actions',
            width: 150,
            fixed: 'right',
            render: (_, r) => (
              <Space>
                <ReassignButton plan={plan} r={r} onDone={done} />
                <CancelButton plan={plan} r={r} onDone={done} />
              </Space>
            ),
          },
        ]}
      />
    </>
  );
}

const tabLabel = (text: string, n?: number) => (
  <Space size={6}>
    {text}
    {n ? <Badge count={n} color="#cf1322" aria-label={`${n}项`} /> : null}
  </Space>
);

/** 审核办理: reports to review, extension and completion requests to decide, reassignment and cancellation. */
export function ReviewPage() {
  const { plan, error: planError } = usePlan();
  const { data, error, loading, reload } = useLoad(async (): Promise<Queue | undefined> => (plan ? unwrap(api.GET('/api/v1/review/queue', { params: { query: { plan: plan.code } } })) : undefined), [plan?.code]);
  return (
    <>
      <Typography.Title level={2}>审核办理</Typography.Title>
      <LoadError error={planError ?? error} />
      <Card loading={loading && !data}>
        {plan ? (
          <Tabs
            items={[
              { key: 'reports', label: tabLabel('进展审核', data?.reports.length), children: <ReportsTab rows={data?.reports ?? []} onDone={reload} /> },
              { key: 'extensions', label: tabLabel('延期审批', data?.extensions.length), children: <ExtensionsTab rows={data?.extensions ?? []} onDone={reload} /> },
              { key: 'completions', label: tabLabel('办结审定', data?.completions.length), children: <CompletionsTab rows={data?.completions ?? []} onDone={reload} /> },
              { key: 'open', label: '改派与撤销', children: <OpenItemsTab plan={plan.code} onDone={reload} /> },
            ]}
          />
        ) : null}
      </Card>
    </>
  );
}
