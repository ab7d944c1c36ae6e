import { Alert, Button, Card, Collapse, Descriptions, Empty, Result, Skeleton, Space, Tag, Timeline, Typography } from 'antd';
import { useParams } from 'react-router-dom';
import { useAuth } from '../../auth';
import { DepartmentName, useDepartments } from '../../departments';
import { chineseDate, chineseDateTime } from '../../format';
import { ListTable } from '../../components/ListTable';
import { PageTitle } from '../../components/PageTitle';
import { useLoad } from '../../hooks';
import { CADENCE, GRADE, label, PERIOD_STATUS, STATUS } from '../../labels';
import { AcknowledgeButton, CascadeButton, CompletionButton, ExtensionButton, FeedbackButton, InstructionButton, ReportLink } from './actions';
import { ScheduleMark } from '../secretariat/shared';
import { ReportView } from './ReportView';
import { StatusTag } from '../../components/StatusTag';
import { currentPeriod, fetchItem, fetchTimeline, OPEN_WORK, type ItemPeriod, type ItemReport, type TimelineEvent } from './types';


interface ConsoleInfo {
  temporalUiUrl: string | null;
  namespace: string;
}

async function consoleInfo(): Promise<ConsoleInfo> {
  const res = await fetch('/console.json');
  if (!res.ok) return { temporalUiUrl: null, namespace: 'default' };
  return (await res.json()) as ConsoleInfo;
}

function actorName(actor: string): string {
  return actor === 'system' ? '系统' : actor;
}

function onTime(p: ItemPeriod): string {
  if (p.status !== 'accepted') return '—';
  const verdict = (v: boolean | null) => (v === true ? '按时' : v === false ? '逾期' : '—');
  return p.onTimeOriginal === p.onTime ? verdict(p.onTime) : `原定期限${verdict(p.onTimeOriginal)},调整后${verdict(p.onTime)}`;
}

/** A period's reports: the consolidated ones first, newest first within each kind (the API lists them oldest first). */
function PeriodReports({ reports }: { reports: ItemReport[] }) {
  const sorted = [...reports].reverse().sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'consolidated' ? -1 : 1));
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {sorted.map((r) => (
        <ReportView key={r.receiptId} report={r} />
      ))}
    </Space>
  );
}

/** One item for every role: the item, its departments, periods, reports and history, with the actions the user may take. */
export function ItemPage() {
  const { plan = '', item = '' } = useParams();
  const { me } = useAuth();
  const detail = useLoad(() => fetchItem(plan, item), [plan, item]);
  const timeline = useLoad(() => fetchTimeline(plan, item), [plan, item]);
  const info = useLoad(consoleInfo, []);
  const { list: departments } = useDepartments();

  if (detail.loading && !detail.data) return <Skeleton active />;
  if (detail.error) {
    if (detail.error.status === 404 || detail.error.status === 403) return (
        <>
          <PageTitle>事项详情</PageTitle>
          <Result status="404" title="无权访问或不存在" subTitle="该事项不存在,或您的部门不是它的牵头单位或配合单位。" />
        </>
      );
    return <Result status="error" title="加载失败" subTitle={detail.error.text} extra={<Button onClick={detail.reload}>重试</Button>} />;
  }
  const d = detail.data!;
  const reload = () => {
    detail.reload();
    timeline.reload();
  };
  const dept = me?.role === 'department' ? me.department : null;
  const isLead = Boolean(dept && dept === d.lead);
  const isParty = Boolean(dept && (isLead || d.cooperating.includes(dept)));
  const period = currentPeriod(d.periods);
  const a = d.assignment;
  const myAck = dept ? d.cooperatorAcks.find((c) => c.department === dept) : undefined;
  const reporting = OPEN_WORK.includes(d.status);
  const temporalUrl = info.data?.temporalUiUrl ? `${info.data.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(info.data.namespace)}/workflows/${encodeURIComponent(d.itemKey)}` : undefined;

  const actions = (
    <Space wrap>
      {isLead && d.status === 'assigned' ? <AcknowledgeButton plan={plan} item={item} onDone={reload} /> : null}
      {myAck?.expected && !myAck.acknowledgedAt && !['completed', 'cancelled'].includes(d.status) ? <AcknowledgeButton plan={plan} item={item} onDone={reload} /> : null}
      {isParty && reporting && period ? <ReportLink plan={plan} item={item} periodSeq={period.seq} primary /> : null}
      {isLead && reporting && period ? <ExtensionButton plan={plan} item={item} currentDueOn={period.extendedDueOn ?? period.dueOn} onDone={reload} /> : null}
      {isLead && reporting ? <CompletionButton plan={plan} item={item} onDone={reload} /> : null}
      {me?.role === 'leadership' && a && !['completed', 'cancelled'].includes(d.status) ? <InstructionButton plan={plan} item={item} title={d.title} onDone={reload} /> : null}
      {a && (me?.role === 'secretariat' || (isLead && departments.find((x) => x.code === dept)?.kind !== 'city')) && !['completed', 'cancelled'].includes(d.status) ? (
        <CascadeButton
          plan={plan}
          item={item}
          cities={departments.filter((x) => x.kind === 'city' && x.code !== d.lead && !d.cooperating.includes(x.code)).map((x) => ({ value: x.code, label: x.shortName || x.name }))}
          onDone={reload}
        />
      ) : null}
      {temporalUrl && a ? (
        <a href={temporalUrl} target="_blank" rel="noreferrer noopener">
          在 Temporal 中查看
        </a>
      ) : null}
    </Space>
  );

  const byPeriod = new Map<number, ItemReport[]>();
  for (const r of d.reports) byPeriod.set(r.periodSeq, [...(byPeriod.get(r.periodSeq) ?? []), r]);
  const events: TimelineEvent[] = timeline.data ?? [];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <div>
        <PageTitle>{d.title}</PageTitle>
        <Space wrap>
          <Typography.Text type="secondary">事项编号 {d.code}</Typography.Text>
          <StatusTag status={d.status} />
        </Space>
      </div>
      {actions}
      {isParty && !isLead && reporting ? <Alert type="info" showIcon title="本部门是该事项的配合单位:请按期报送配合材料,由牵头单位汇总报送。" /> : null}
      <Card title="基本情况" size="small">
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 1, md: 2, lg: 3 }}
          items={[
            { key: 'status', label: '状态', children: label(STATUS, d.status) },
            { key: 'lead', label: '牵头单位', children: <DepartmentName code={d.lead} /> },
            {
              key: 'coop',
              label: '配合单位',
              children: d.cooperating.length ? (
                <Space wrap size={4}>
                  {d.cooperating.map((c) => {
                    const acked = d.cooperatorAcks.find((x) => x.department === c)?.acknowledgedAt;
                    return (
                      <Tag key={c} title={acked ? `${chineseDateTime(acked)}签收` : '尚未签收'}>
                        <DepartmentName code={c} />
                        {acked ? '(已签收)' : ''}
                      </Tag>
                    );
                  })}
                </Space>
              ) : (
                '—'
              ),
            },
            { key: 'cadence', label: '报送频次', children: a ? label(CADENCE, a.cadence) : '—' },
            { key: 'start', label: '开始日期', children: chineseDate(a?.startDate) },
            { key: 'final', label: '完成时限', children: chineseDate(a?.finalDeadline) },
            { key: 'assigned', label: '交办时间', children: a ? `${chineseDateTime(a.assignedAt)}(${a.assignedBy})` : '—' },
            { key: 'ack', label: '签收时间', children: chineseDateTime(a?.acknowledgedAt) },
            { key: 'next', label: '下一截止日', children: chineseDate(a?.nextDueOn) },
            { key: 'schedule', label: '序时进度', children: <ScheduleMark schedule={d.schedule} /> },
            ...(a?.grade ? [{ key: 'grade', label: '办结评定', children: label(GRADE, a.grade) }] : []),
            ...(a?.completionSummary ? [{ key: 'summary', label: '完成情况总结', children: <span style={{ whiteSpace: 'pre-wrap' }}>{a.completionSummary}</span> }] : []),
            ...(a?.cancelReason ? [{ key: 'cancel', label: '撤销原因', children: a.cancelReason }] : []),
          ]}
        />
      </Card>
      {d.milestones.length || d.indicators.length ? (
        <Card title="序时进度与指标" size="small">
          <Space orientation="vertical" style={{ width: '100%' }}>
            {d.milestones.length ? (
              <ListTable
                rowKey="date"
                size="small"
                paging={false}
                rows={d.milestones}
                columns={[
                  { title: '节点日期', dataIndex: 'date', render: chineseDate },
                  { title: '计划完成', dataIndex: 'percent', render: (p: number) => `${p}%` },
                  { title: '内容', dataIndex: 'description', render: (v: string, m) => (m.proposed ? <Space size={4}>{v}<Tag>建议</Tag></Space> : v) },
                ]}
              />
            ) : null}
            {d.indicators.length ? (
              <ListTable
                rowKey="name"
                size="small"
                paging={false}
                rows={d.indicators}
                columns={[
                  { title: '指标', dataIndex: 'name' },
                  { title: '基数', dataIndex: 'baseline', render: (v: number | null, i) => (v === null ? '—' : `${v}${i.unit}`) },
                  { title: '目标', key: 'target', render: (_v, i) => `${i.target}${i.unit}(${chineseDate(i.targetDate)})` },
                  { title: '最新报送', key: 'latest', render: (_v, i) => (i.latest ? `${i.latest.value}${i.unit}(第${i.latest.periodSeq}期)` : '—') },
                ]}
              />
            ) : null}
          </Space>
        </Card>
      ) : null}
      {d.instructions.length ? (
        <Card title="领导批示与落实反馈" size="small">
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            {d.instructions.map((ins) => (
              <Descriptions
                key={ins.id}
                size="small"
                bordered
                column={1}
                title={
                  <Space wrap>
                    <span>{ins.seq ? `第${ins.seq}条批示` : '批示'}</span>
                    {ins.feedback ? <Tag color={ins.feedback.late ? 'orange' : '#237804'}>{ins.feedback.late ? '逾期反馈' : '已反馈'}</Tag> : ins.feedbackDueOn ? <Tag color="blue">待反馈</Tag> : null}
                  </Space>
                }
                extra={isLead && !ins.feedback && ins.feedbackDueOn && !['completed', 'cancelled'].includes(d.status) ? <FeedbackButton plan={plan} item={item} instruction={ins.id} dueOn={ins.feedbackDueOn} onDone={reload} /> : null}
                items={[
                  { key: 'text', label: '批示内容', children: <span style={{ whiteSpace: 'pre-wrap' }}>{ins.text}</span> },
                  { key: 'by', label: '批示时间', children: `${chineseDateTime(ins.issuedAt)}(${ins.issuedBy})` },
                  ...(ins.feedbackDueOn ? [{ key: 'due', label: '反馈时限', children: chineseDate(ins.feedbackDueOn) }] : []),
                  ...(ins.feedback
                    ? [
                        { key: 'feedback', label: '落实反馈', children: <span style={{ whiteSpace: 'pre-wrap' }}>{ins.feedback.text}</span> },
                        { key: 'fat', label: '反馈时间', children: `${chineseDateTime(ins.feedback.at)}(${ins.feedback.by})` },
                      ]
                    : []),
                ]}
              />
            ))}
          </Space>
        </Card>
      ) : null}
      <Card title="报送期次" size="small">
        <ListTable<ItemPeriod>
          rowKey="seq"
          size="small"
          rows={d.periods}
          paging={{ pageSize: 10 }}
          scroll={{ x: 720 }}
          empty={a ? '尚无报送期次' : '该事项尚未交办'}
          columns={[
            { title: '期次', dataIndex: 'seq', render: (s: number) => `第${s}期` },
            { title: '周期', key: 'range', render: (_v, p) => `${chineseDate(p.startsOn)} 至 ${chineseDate(p.endsOn)}` },
            { title: '原定报送期限', dataIndex: 'originalDueOn', render: chineseDate },
            { title: '现行报送期限', dataIndex: 'dueOn', render: chineseDate },
            { title: '延期至', dataIndex: 'extendedDueOn', render: chineseDate },
            { title: '状态', dataIndex: 'status', render: (s: string) => label(PERIOD_STATUS, s) },
            { title: '是否按时', key: 'onTime', render: (_v, p) => onTime(p) },
          ]}
        />
      </Card>
      <Card title="进展报告" size="small">
        {byPeriod.size ? (
          <Collapse
            defaultActiveKey={[String(Math.max(...byPeriod.keys()))]}
            items={[...byPeriod.entries()]
              .sort((x, y) => y[0] - x[0])
              .map(([seq, list]) => ({
                key: String(seq),
                label: `第${seq}期(${list.length}份)`,
                children: <PeriodReports reports={list} />,
              }))}
          />
        ) : (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description="尚无报告" />
        )}
      </Card>
      <Card title="办理记录" size="small">
        {timeline.error ? (
          <Alert type="error" showIcon title={timeline.error.text} />
        ) : events.length ? (
          <Timeline
            items={events.map((e, i) => ({
              key: i,
              color: e.kind === 'escalation' ? 'red' : e.kind === 'instruct' ? 'orange' : e.kind === 'escalation.resolved' ? 'green' : 'blue',
              content: (
                <div>
                  <div>{e.text}</div>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {chineseDateTime(e.at)} · {actorName(e.actor)}
                  </Typography.Text>
                </div>
              ),
            }))}
          />
        ) : (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={timeline.loading ? '加载中' : '尚无记录'} />
        )}
      </Card>
    </Space>
  );
}
