import { Descriptions, Progress, Space, Tag, Typography } from 'antd';
import { DepartmentName } from '../../departments';
import { chineseDateTime } from '../../format';
import { label, REPORT_KIND } from '../../labels';
import type { ItemReport } from './types';

const REVIEW: Record<string, { text: string; color: string }> = {
  accepted: { text: '审核通过', color: '#237804' },
  returned: { text: '已退回', color: 'red' },
};

function Paragraphs({ text }: { text: string | null | undefined }) {
  if (!text) return <span>—</span>;
  return <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>{text}</Typography.Paragraph>;
}

/** One progress report or co-operating input, as the secretariat, the lead and the leading group read it. */
export function ReportView({ report }: { report: ItemReport }) {
  const review = report.review ? REVIEW[report.review] : undefined;
  const links = report.attachments ?? [];
  return (
    <Descriptions
      size="small"
      bordered
      column={1}
      title={
        <Space wrap>
          <DepartmentName code={report.department} />
          <Tag color={report.kind === 'consolidated' ? 'blue' : 'default'}>{label(REPORT_KIND, report.kind)}</Tag>
          {report.version > 1 ? <Tag>第{report.version}版</Tag> : null}
          {review ? <Tag color={review.color}>{review.text}</Tag> : null}
        </Space>
      }
      items={[
        { key: 'at', label: '报送时间', children: `${chineseDateTime(report.submittedAt)}(${report.submittedBy})` },
        { key: 'percent', label: '完成比例', children: <Progress percent={report.percentDone} size="small" style={{ maxWidth: 320 }} aria-label="完成比例" /> },
        { key: 'progress', label: '进展情况', children: <Paragraphs text={report.progress} /> },
        { key: 'problems', label: '存在问题', children: <Paragraphs text={report.problems} /> },
        { key: 'next', label: '下步打算', children: <Paragraphs text={report.nextSteps} /> },
        {
          key: 'links',
          label: '附件链接',
          children: links.length ? (
            <Space orientation="vertical" size={2}>
              {links.map((href) => (
                <a key={href} href={href} target="_blank" rel="noreferrer noopener" style={{ wordBreak: 'break-all' }}>
                  {href}
                </a>
              ))}
            </Space>
          ) : (
            '—'
          ),
        },
        ...(report.kind === 'consolidated' && (report.inputs.length || report.missingInputs.length)
          ? [
              {
                key: 'inputs',
                label: '配合材料',
                children: (
                  <Space orientation="vertical" size={2}>
                    {report.inputs.map((i) => (
                      <span key={i.receiptId}>
                        <DepartmentName code={i.department} />:已报送{i.version > 1 ? `第${i.version}版` : ''}
                        {i.receivedAt ? `(${chineseDateTime(i.receivedAt)})` : ''}
                      </span>
                    ))}
                    {report.missingInputs.map((c) => (
                      <span key={c}>
                        <DepartmentName code={c} />:<Typography.Text type="danger">未报送</Typography.Text>
                      </span>
                    ))}
                  </Space>
                ),
              },
            ]
          : []),
        ...(report.review
          ? [{ key: 'review', label: '审核意见', children: `${report.reviewComment || (report.review === 'accepted' ? '同意' : '—')}(${report.reviewedBy ?? ''} ${chineseDateTime(report.reviewedAt)})` }]
          : []),
      ]}
    />
  );
}
