import { Badge, Button, Card, Col, Row, Segmented, Skeleton, Space, Tag, Typography, message, Alert } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import { EntryList } from '../../components/EntryList';
import { chineseDate, chineseDateTime } from '../../format';
import { PageTitle } from '../../components/PageTitle';
import { useLoad } from '../../hooks';
import { label, NOTICE_KIND, PERIOD_STATUS } from '../../labels';
import { AcknowledgeButton, ReportLink } from '../item/actions';
import type { Answer } from '../../api/types';
import { itemPath, parseItemKey } from '../item/types';

type InboxData = Answer<'/api/v1/inbox', 'get'>;

type Notice = InboxData['notifications'][number];

async function loadInbox(): Promise<InboxData> {
  return unwrap(api.GET('/api/v1/inbox', { params: { query: {} } }));
}

function NoticeEntry({ n, onRead }: { n: Notice; onRead: (id: number) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const ref = parseItemKey(n.itemKey);
  const unread = !n.readAt;
  return (
    <Space orientation="vertical" size={4} style={{ width: '100%' }}>
      <Space wrap size={6}>
        {unread ? <Badge status="processing" text="未读" /> : <Typography.Text type="secondary">已读</Typography.Text>}
        <Tag color={n.kind === 'instruction' ? '#ad4e00' : n.kind === 'escalation' ? 'red' : 'blue'}>{label(NOTICE_KIND, n.kind)}</Tag>
        <Typography.Text strong={unread}>{n.title}</Typography.Text>
      </Space>
      <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>{n.body}</Typography.Paragraph>
      <Space wrap size={12}>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {chineseDateTime(n.createdAt)}
        </Typography.Text>
        {ref ? <Link to={itemPath(ref.plan, ref.item)}>查看事项</Link> : null}
        {unread ? (
          <Button
            size="small"
            loading={busy}
            onClick={async () => {
              setBusy(true);
              await onRead(n.id).finally(() => setBusy(false));
            }}
          >
            标为已读
          </Button>
        ) : null}
      </Space>
    </Space>
  );
}

/** 消息: what the department has to do (签收, 报送) and what it was told (通知), read and unread; fits a phone. */
export function InboxPage() {
  const inbox = useLoad(loadInbox, []);
  const [show, setShow] = useState<'unread' | 'all'>('unread');
  const [readNow, setReadNow] = useState<Map<number, string>>(new Map());
  if (inbox.loading && !inbox.data) return <Skeleton active />;
  if (inbox.error) return <Alert type="error" showIcon title={inbox.error.text} action={<Button onClick={inbox.reload}>重试</Button>} />;
  const data = inbox.data!;
  const notices = data.notifications.map((n) => (readNow.has(n.id) ? { ...n, readAt: readNow.get(n.id)! } : n));
  const unread = notices.filter((n) => !n.readAt);
  const markRead = async (id: number) => {
    try {
      const r = await unwrap(api.POST('/api/v1/inbox/notifications/{id}/read', { params: { path: { id } } }));
      setReadNow((m) => new Map(m).set(id, r.readAt ?? new Date().toISOString()));
    } catch (err) {
      void message.error(err instanceof ApiError ? err.text : '操作未成功');
    }
  };
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle>消息</PageTitle>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={12}>
          <Card title={`待签收(${data.pendingAcknowledgements.length})`} size="small">
            <EntryList
              label="待签收事项"
              items={data.pendingAcknowledgements}
              rowKey={(a) => a.itemKey}
              empty="没有待签收的事项"
              pageSize={5}
              render={(a) => (
                <Space orientation="vertical" size={4} style={{ width: '100%' }}>
                  <Space size={4}>
                    <Link to={itemPath(a.plan, a.item)}>{a.title}</Link>
                    {a.role === 'cooperating' ? <Tag>配合</Tag> : null}
                  </Space>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    交办时间 {chineseDateTime(a.assignedAt)}
                  </Typography.Text>
                  <div>
                    <AcknowledgeButton plan={a.plan} item={a.item} size="small" onDone={inbox.reload} />
                  </div>
                </Space>
              )}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={`待报送(${data.reportsDue.length})`} size="small">
            <EntryList
              label="待报送事项"
              items={data.reportsDue}
              rowKey={(r) => `${r.plan}:${r.item}:${r.periodSeq}`}
              empty="没有待报送的进展"
              pageSize={5}
              render={(r) => (
                <Space orientation="vertical" size={4} style={{ width: '100%' }}>
                  <Link to={itemPath(r.plan, r.item)}>{r.title}</Link>
                  <Space wrap size={6}>
                    <Tag>{r.role === 'lead' ? '牵头' : '配合'}</Tag>
                    <span>第{r.periodSeq}期</span>
                    <span>
                      报送期限 {chineseDate(r.dueOn)}
                      {r.originalDueOn && r.originalDueOn !== r.dueOn ? `(原定${chineseDate(r.originalDueOn)})` : ''}
                    </span>
                    {r.status === 'returned' ? <Tag color="red">{label(PERIOD_STATUS, r.status)}</Tag> : null}
                  </Space>
                  <div>
                    <ReportLink plan={r.plan} item={r.item} periodSeq={r.periodSeq} size="small" primary />
                  </div>
                </Space>
              )}
            />
          </Card>
        </Col>
      </Row>
      <Card
        title={
          <Space wrap>
            <span>通知</span>
            {unread.length ? <Badge count={unread.length} overflowCount={199} aria-label={`${unread.length}条未读`} /> : null}
          </Space>
        }
        size="small"
        extra={
          <Segmented
            aria-label="显示哪些通知"
            value={show}
            onChange={(v) => setShow(v as 'unread' | 'all')}
            options={[
              { label: `未读(${unread.length})`, value: 'unread' },
              { label: `全部(${notices.length})`, value: 'all' },
            ]}
          />
        }
      >
        <EntryList label="通知" items={show === 'unread' ? unread : notices} rowKey={(n) => n.id} empty={show === 'unread' ? '没有未读通知' : '没有通知'} render={(n) => <NoticeEntry n={n} onRead={markRead} />} />
      </Card>
    </Space>
  );
}
