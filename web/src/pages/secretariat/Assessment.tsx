import { Alert, Button, Card, Form, Input, InputNumber, Popconfirm, Select, Space, Tag, Typography, message } from 'antd';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import { useAuth } from '../../auth';
import { ActionModal } from '../../components/ActionModal';
import { ListTable } from '../../components/ListTable';
import { PageTitle } from '../../components/PageTitle';
import { chineseDate, chineseDateTime, percent } from '../../format';
import { useLoad } from '../../hooks';
import { downloadWithToken } from '../../layout/download';
import type { Answer, Body } from '../../api/types';
import { LoadError } from './shared';
import { TEXT_LIMITS } from '../../limits';
import { GRADE_WORDS, GRADES } from '../../../../domain/words';

type Assessment = Answer<'/api/v1/assessments/{year}', 'get'>;
type Row = Assessment['departments'][number];
type Line = Row['lines'][number];

const points = (p: number) => (p > 0 ? `+${p.toFixed(2)}` : p.toFixed(2));

/** One department's breakdown: every line that counts something, with the records behind it. */
function Breakdown({ row }: { row: Row }) {
  const lines = row.lines.filter((l) => l.component === 'base' || l.count > 0 || l.points !== 0);
  return (
    <ListTable<Line>
      size="small"
      rowKey={(l, n) => `${l.component}-${n}`}
      paging={false}
      rows={lines}
      aria-label={`${row.name}得分明细`}
      columns={[
        { title: '考核项', dataIndex: 'label', width: 160 },
        { title: '计分依据', dataIndex: 'basis' },
        { title: '得分', dataIndex: 'points', align: 'right', width: 80, render: (p: number) => points(p) },
        {
          title: '相关记录',
          dataIndex: 'events',
          render: (events: Line['events']) =>
            events.length ? (
              <ul style={{ margin: 0, paddingLeft: 16 }}>
                {events.map((e) => (
                  <li key={e.ref} title={e.ref}>
                    {e.item ? `${e.item} ` : ''}
                    {chineseDate(e.date)} {e.note}
                  </li>
                ))}
              </ul>
            ) : (
              '—'
            ),
        },
      ]}
    />
  );
}

type AdjustValues = Body<'/api/v1/assessments/{year}/adjustments', 'post'>;

/**
 * 年度考核: each department's and city's score for a year from the recorded
 * events, with its breakdown down to the records; the secretariat adjusts
 * (with a reason) and publishes, after which the year is frozen.
 */
export function AssessmentPage() {
  const { me } = useAuth();
  const secretariat = me?.role === 'secretariat';
  const [year, setYear] = useState(() => Math.min(new Date().getFullYear(), 2100));
  const { data, error, loading, reload } = useLoad(async () => unwrap(api.GET('/api/v1/assessments/{year}', { params: { path: { year } } })), [year]);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string>();

  const publish = async () => {
    setBusy(true);
    setActionError(undefined);
    try {
      await unwrap(api.POST('/api/v1/assessments/{year}/publish', { params: { path: { year } } }));
      void message.success(`${year}年度考核已发布`);
      reload();
    } catch (err) {
      setActionError(err instanceof ApiError ? err.text : '发布未成功,请稍后重试');
    } finally {
      setBusy(false);
    }
  };
  const download = async () => {
    try {
      await downloadWithToken(`/api/v1/assessments/${year}.xlsx`, `${year}年度考核.xlsx`);
    } catch {
      setActionError('导出未成功,请稍后重试');
    }
  };

  return (
    <>
      <PageTitle>年度考核</PageTitle>
      <Space wrap style={{ margin: '16px 0' }}>
        <label htmlFor="assessment-year">考核年度</label>
        <InputNumber id="assessment-year" min={2000} max={2100} value={year} onChange={(v) => v && setYear(v)} suffix="年" />
        {data?.published ? (
          <Tag color="blue">
            已发布({chineseDateTime(data.published.at)},{data.published.by}),不再随后续记录变化
          </Tag>
        ) : data ? (
          <Tag>未发布,按截至{chineseDate(data.asOf)}的记录计算</Tag>
        ) : null}
        <Button onClick={() => void download()}>导出Excel</Button>
        {secretariat && data && !data.published ? (
          <>
            <ActionModal<AdjustValues>
              label="调整分"
              title={`${year}年度考核调整分`}
              name="assessment-adjust"
              explain={(err) => (err.status === 409 ? '该年度考核已发布,不能再调整' : undefined)}
              onSubmit={async (values) => {
                await unwrap(api.POST('/api/v1/assessments/{year}/adjustments', { params: { path: { year } }, body: values }));
                void message.success('已记录调整分');
                reload();
              }}
            >
              <Form.Item name="department" label="单位" rules={[{ required: true, message: '请选择单位' }]}>
                <Select showSearch optionFilterProp="label" options={data.departments.map((d) => ({ value: d.department, label: d.name }))} />
              </Form.Item>
              <Form.Item name="points" label="调整分(正数加分,负数减分)" rules={[{ required: true, message: '请填写分值' }]}>
                <InputNumber min={-100} max={100} step={0.5} precision={2} style={{ width: '100%' }} />
              </Form.Item>
              <Form.Item name="reason" label="调整理由" rules={[{ required: true, whitespace: true, message: '请填写调整理由' }]}>
                <Input.TextArea rows={3} maxLength={TEXT_LIMITS.comment} showCount />
              </Form.Item>
            </ActionModal>
            <Popconfirm title={`发布${year}年度考核?`} description="发布后得分不再随后续记录和调整变化。" okText="发布" cancelText="取消" onConfirm={() => void publish()}>
              <Button type="primary" loading={busy}>
                发布
              </Button>
            </Popconfirm>
          </>
        ) : null}
      </Space>
      <LoadError error={error} />
      {actionError ? <Alert type="error" showIcon title={actionError} style={{ marginBottom: 16 }} role="alert" /> : null}
      <Card title="考核得分">
        <Typography.Paragraph>
          基础分100分,按当年记录计分:按时报送率按审核通过时的认定计算,催办、督办、上报领导小组、退回、序时进度滞后按次扣分,办结按评定等次计分。展开各单位可查看每一分的计分依据和相关记录。
        </Typography.Paragraph>
        <ListTable<Row>
          size="small"
          rowKey="department"
          loading={loading}
          rows={data?.departments}
          paging={{ pageSize: 20 }}
          scroll={{ x: 'max-content' }}
          expandable={{ expandedRowRender: (row) => <Breakdown row={row} /> }}
          columns={[
            // The API lists the highest score first: a department's place in that list is its rank.
            { title: '名次', key: 'rank', width: 56, align: 'right', render: (_: unknown, r: Row) => (data?.departments.indexOf(r) ?? 0) + 1 },
            { title: '单位', dataIndex: 'name', fixed: 'left' },
            { title: '得分', dataIndex: 'score', align: 'right', render: (s: number) => <strong>{s.toFixed(2)}</strong>, sorter: (a, b) => a.score - b.score },
            { title: '按时报送率(原定)', key: 'original', align: 'right', render: (_: unknown, r: Row) => percent(r.figures.onTimeRateOriginal) },
            { title: '按时报送率(含延期)', key: 'extended', align: 'right', render: (_: unknown, r: Row) => percent(r.figures.onTimeRateExtended) },
            { title: '退回', key: 'returned', align: 'right', render: (_: unknown, r: Row) => r.figures.returnedReports },
            { title: '催办/督办/上报领导小组', key: 'escalations', align: 'center', render: (_: unknown, r: Row) => `${r.figures.escalations.cuiban}/${r.figures.escalations.duban}/${r.figures.escalations['leading-group']}` },
            { title: '批示按时反馈', key: 'feedback', align: 'center', render: (_: unknown, r: Row) => (r.figures.feedbackDue ? `${r.figures.feedbackOnTime}/${r.figures.feedbackDue}` : '—') },
            { title: '序时进度滞后', key: 'behind', align: 'right', render: (_: unknown, r: Row) => r.figures.behindSchedule },
            {
              title: '办结评定',
              key: 'grades',
              render: (_: unknown, r: Row) =>
                GRADES.filter((g) => r.figures.completed[g] > 0)
                  .map((g) => `${GRADE_WORDS[g]}${r.figures.completed[g]}项`)
                  .join('、') || '—',
            },
            { title: '调整分', key: 'adjustment', align: 'right', render: (_: unknown, r: Row) => (r.figures.adjustment ? points(r.figures.adjustment) : '—') },
          ]}
        />
      </Card>
    </>
  );
}
