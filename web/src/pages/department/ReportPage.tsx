import { Alert, Button, Card, Col, Empty, Form, Input, InputNumber, Result, Row, Skeleton, Space, Tag, Typography, message } from 'antd';
import { useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import { ApiError, formFields } from '../../api/errors';
import type { Body } from '../../api/types';
import { useAuth } from '../../auth';
import { DepartmentName } from '../../departments';
import { chineseDate, chineseDateTime } from '../../format';
import { PageTitle } from '../../components/PageTitle';
import { useLoad } from '../../hooks';
import { label, PERIOD_STATUS } from '../../labels';
import { ReportView } from '../item/ReportView';
import { currentPeriod, fetchItem, itemPath, newRequestKey, OPEN_WORK, type ItemDetail, type ItemReport } from '../item/types';
import { atMost, LINK_LIMITS, TEXT_LIMITS } from '../../limits';

/** The form's fields: the report's own, as the API takes them (the period is the page's). */
type ReportValues = Pick<Body<'/api/v1/plans/{plan}/items/{item}/reports', 'post'>, 'progress' | 'percentDone' | 'problems' | 'nextSteps' | 'attachments'>;


const LINK = new RegExp(`^https?://\\S{1,${LINK_LIMITS.attachment}}$`);

/** This department's last report on the item (any period), to start from: 减负, nobody types the same twice. */
function lastOwn(d: ItemDetail, dept: string | null | undefined): ItemReport | undefined {
  return d.reports.filter((r) => r.department === dept).at(-1);
}

/** The latest input of each co-operating department in a period. */
function latestInputs(d: ItemDetail, seq: number): ItemReport[] {
  const byDept = new Map<string, ItemReport>();
  for (const r of d.reports) {
    if (r.kind !== 'input' || r.periodSeq !== seq) continue;
    const seen = byDept.get(r.department);
    if (!seen || seen.version < r.version) byDept.set(r.department, r);
  }
  return [...byDept.values()];
}

function ReportForm({ d, plan, item, dept }: { d: ItemDetail; plan: string; item: string; dept: string }) {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [form] = Form.useForm<ReportValues>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const key = useRef(newRequestKey());
  const isLead = d.lead === dept;
  const asked = Number(params.get('period'));
  const period = d.periods.find((p) => p.seq === asked && ['open', 'returned', 'submitted'].includes(p.status)) ?? currentPeriod(d.periods);
  const previous = lastOwn(d, dept);
  const initial = useMemo<Partial<ReportValues>>(
    () =>
      previous
        ? { progress: previous.progress, percentDone: previous.percentDone, problems: previous.problems ?? '', nextSteps: previous.nextSteps ?? '', attachments: previous.attachments }
        : { percentDone: 0, attachments: [] },
    [previous],
  );
  if (!OPEN_WORK.includes(d.status) || !period) {
    return <Result status="info" title="当前没有待报送的期次" subTitle={d.status === 'assigned' ? '请先签收该事项。' : '该事项目前无需报送进展。'} extra={<Link to={itemPath(plan, item)}>返回事项</Link>} />;
  }
  const inputs = isLead ? latestInputs(d, period.seq) : [];
  const missing = isLead ? d.cooperating.filter((c) => !inputs.some((r) => r.department === c)) : [];
  const returned = d.reports.filter((r) => r.periodSeq === period.seq && r.department === dept && r.review === 'returned').at(-1);

  const submit = async (v: ReportValues) => {
    setBusy(true);
    setError(undefined);
    const attachments = (v.attachments ?? []).map((s) => s.trim()).filter(Boolean);
    try {
      const receipt = await unwrap(
        api.POST('/api/v1/plans/{plan}/items/{item}/reports', {
          params: { path: { plan, item } },
          headers: { 'idempotency-key': key.current },
          body: {
            periodSeq: period.seq,
            progress: v.progress,
            percentDone: v.percentDone,
            ...(v.problems?.trim() ? { problems: v.problems } : {}),
            ...(v.nextSteps?.trim() ? { nextSteps: v.nextSteps } : {}),
            attachments,
          },
        }),
      );
      key.current = newRequestKey();
      void message.success(`已报送第${receipt.periodSeq}期${receipt.kind === 'input' ? '配合材料' : '进展'}${receipt.version > 1 ? `(第${receipt.version}版)` : ''}`);
      navigate(itemPath(plan, item));
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = formFields(err);
        if (fields.length) form.setFields(fields as Parameters<typeof form.setFields>[0]);
        setError(err.code === 'conflict' ? '当前不能报送:该期次可能已审核通过或已关闭,请刷新后再试' : err.text);
      } else setError('报送未成功,请稍后重试');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={isLead && d.cooperating.length ? 14 : 24}>
        <Card title={`第${period.seq}期 ${isLead ? '进展报告(牵头单位汇总)' : '配合材料'}`} size="small">
          <Space orientation="vertical" size={4} style={{ marginBottom: 12 }}>
            <Typography.Text>
              周期:{chineseDate(period.startsOn)} 至 {chineseDate(period.endsOn)}
            </Typography.Text>
            <Typography.Text>
              报送期限:{chineseDate(period.extendedDueOn ?? period.dueOn)}
              {period.extendedDueOn || period.dueOn !== period.originalDueOn ? `(原定${chineseDate(period.originalDueOn)})` : ''} · 状态:{label(PERIOD_STATUS, period.status)}
            </Typography.Text>
            {previous ? <Typography.Text type="secondary">已按本部门上次报送(第{previous.periodSeq}期,{chineseDateTime(previous.submittedAt)})预先填好,请修改后报送。</Typography.Text> : null}
          </Space>
          {period.status === 'submitted' ? <Alert type="info" showIcon style={{ marginBottom: 12 }} title="本期已报送,正在审核;再次报送将形成新的版本。" /> : null}
          {returned ? <Alert type="warning" showIcon style={{ marginBottom: 12 }} title="上次报送被退回" description={returned.reviewComment || '请修改后重新报送。'} /> : null}
          {error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 12 }} title={error} /> : null}
          <Form<ReportValues> form={form} name="report" layout="vertical" initialValues={initial} onFinish={submit} scrollToFirstError>
            <Form.Item name="progress" label="进展情况" rules={[{ required: true, whitespace: true, message: '请填写进展情况' }, atMost('long')]}>
              <Input.TextArea autoSize={{ minRows: 4, maxRows: 16 }} showCount maxLength={TEXT_LIMITS.long} />
            </Form.Item>
            <Form.Item name="percentDone" label="完成比例(%)" rules={[{ required: true, message: '请填写完成比例' }]}>
              <InputNumber min={0} max={100} precision={0} style={{ width: '100%', maxWidth: 200 }} suffix="%" />
            </Form.Item>
            <Form.Item name="problems" label="存在问题" rules={[atMost('long')]}>
              <Input.TextArea autoSize={{ minRows: 2, maxRows: 10 }} showCount maxLength={TEXT_LIMITS.long} />
            </Form.Item>
            <Form.Item name="nextSteps" label="下步打算" rules={[atMost('long')]}>
              <Input.TextArea autoSize={{ minRows: 2, maxRows: 10 }} showCount maxLength={TEXT_LIMITS.long} />
            </Form.Item>
            <Form.List name="attachments">
              {(fields, { add, remove }, { errors }) => (
                <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
                  <legend style={{ fontSize: 14, border: 0, marginBottom: 8 }}>附件链接(http 或 https 开头,最多20个)</legend>
                  {fields.map((field, i) => (
                    <div key={field.key} style={{ display: 'flex', gap: 8, alignItems: 'flex-start' }}>
                      <Form.Item
                        name={field.name}
                        label={`链接${i + 1}`}
                        style={{ flex: 1, minWidth: 0 }}
                        rules={[{ validator: async (_r, v: string | undefined) => (!v || LINK.test(v.trim()) ? undefined : Promise.reject(new Error('应为 http(s) 链接'))) }]}
                      >
                        <Input placeholder="https://" inputMode="url" />
                      </Form.Item>
                      <Button style={{ marginTop: 30 }} onClick={() => remove(field.name)} aria-label={`删除第${i + 1}个链接`}>
                        删除
                      </Button>
                    </div>
                  ))}
                  {fields.length < 20 ? (
                    <Button type="dashed" onClick={() => add('')} style={{ marginBottom: 16 }}>
                      添加链接
                    </Button>
                  ) : null}
                  <Form.ErrorList errors={errors} />
                </fieldset>
              )}
            </Form.List>
            <Space wrap>
              <Button type="primary" htmlType="submit" loading={busy}>
                {isLead ? '报送进展' : '报送配合材料'}
              </Button>
              <Button onClick={() => navigate(itemPath(plan, item))}>返回事项</Button>
            </Space>
          </Form>
        </Card>
      </Col>
      {isLead && d.cooperating.length ? (
        <Col xs={24} xl={10}>
          <Card title={`配合单位本期材料(${inputs.length}/${d.cooperating.length})`} size="small">
            {missing.length ? (
              <Alert
                type="info"
                showIcon
                style={{ marginBottom: 12 }}
                title={
                  <span>
                    尚未报送:
                    {missing.map((c, i) => (
                      <span key={c}>
                        {i ? '、' : ''}
                        <DepartmentName code={c} />
                      </span>
                    ))}
                  </span>
                }
              />
            ) : null}
            {inputs.length ? (
              <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
                {inputs.map((r) => (
                  <ReportView key={r.receiptId} report={r} />
                ))}
              </Space>
            ) : (
              <Empty description="本期尚无配合单位材料" />
            )}
          </Card>
        </Col>
      ) : null}
    </Row>
  );
}

/** 进展报送: the lead's consolidated report or a co-operating department's input, pre-filled from the last one. */
export function ReportPage() {
  const { plan = '', item = '' } = useParams();
  const { me } = useAuth();
  const detail = useLoad(() => fetchItem(plan, item), [plan, item]);
  if (detail.loading && !detail.data) return <Skeleton active />;
  if (detail.error) {
    if (detail.error.status === 404 || detail.error.status === 403) return (
        <>
          <PageTitle>进展报送</PageTitle>
          <Result status="404" title="无权访问或不存在" subTitle="该事项不存在,或您的部门不是它的牵头单位或配合单位。" />
        </>
      );
    return <Result status="error" title="加载失败" subTitle={detail.error.text} extra={<Button onClick={detail.reload}>重试</Button>} />;
  }
  const d = detail.data!;
  const dept = me?.department ?? '';
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <PageTitle>进展报送</PageTitle>
        <Space wrap>
          <Link to={itemPath(plan, item)}>{d.title}</Link>
          <Tag>{d.lead === dept ? '牵头单位' : '配合单位'}</Tag>
        </Space>
      </div>
      <ReportForm d={d} plan={plan} item={item} dept={dept} />
    </Space>
  );
}
