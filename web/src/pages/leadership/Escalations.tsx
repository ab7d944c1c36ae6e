import { ItemTitle } from '../../components/ItemTitle';
import { Alert, Button, Card, Col, Row, Segmented, Space, Statistic } from 'antd';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ListTable } from '../../components/ListTable';
import { RungTag } from '../../components/StatusTag';
import { DepartmentName } from '../../departments';
import { chineseDate, chineseDateTime } from '../../format';
import { PageTitle } from '../../components/PageTitle';
import { useLoad } from '../../hooks';
import { chaseWords, RUNG } from '../../labels';
import { InstructionButton } from '../item/actions';
import type { Answer } from '../../api/types';

type Escalation = Answer<'/api/v1/board/escalations', 'get'>['escalations'][number];

/** One row per item and matter (签收, a period's report, the final deadline): the highest rung reached, and the rungs on the way. */
interface Case extends Escalation {
  steps: Escalation[];
}

async function loadEscalations(): Promise<Case[]> {
  const list = (await unwrap(api.GET('/api/v1/board/escalations'))).escalations;
  const cases = new Map<string, Case>();
  for (const e of list) {
    const key = `${e.itemKey}|${e.subject}|${e.periodSeq}`;
    const seen = cases.get(key);
    if (!seen) cases.set(key, { ...e, steps: [e] });
    else {
      const steps = [...seen.steps, e];
      cases.set(key, e.level > seen.level ? { ...e, steps } : { ...seen, steps });
    }
  }
  return [...cases.values()]
    .map((c) => ({ ...c, steps: [...c.steps].sort((a, b) => a.level - b.level) }))
    .sort((a, b) => b.level - a.level || a.businessDate.localeCompare(b.businessDate) || a.item.localeCompare(b.item));
}

/** 督办事项: the open rungs (催办, 督办, 上报领导小组), highest first, with 批示 at hand. */
export function EscalationsPage() {
  const list = useLoad(loadEscalations, []);
  const [rung, setRung] = useState<string>('all');
  const all = list.data ?? [];
  const count = (r: string) => all.filter((e) => e.rung === r).length;
  const rows = rung === 'all' ? all : all.filter((e) => e.rung === rung);
  const items = new Set(all.map((e) => e.itemKey)).size;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle>督办事项</PageTitle>
      {list.error ? <Alert type="error" showIcon title={list.error.text} action={<Button onClick={list.reload}>重试</Button>} /> : null}
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Card size="small">
            <Statistic title="涉及事项" value={items} loading={list.loading} />
          </Card>
        </Col>
        {Object.entries(RUNG).map(([key, word]) => (
          <Col xs={12} md={6} key={key}>
            <Card size="small">
              <Statistic title={word} value={count(key)} loading={list.loading} styles={key === 'leading-group' && count(key) ? { content: { color: '#cf1322' } } : undefined} />
            </Card>
          </Col>
        ))}
      </Row>
      <Card size="small">
        <Space wrap style={{ marginBottom: 12 }}>
          <Segmented
            aria-label="按层级筛选"
            value={rung}
            onChange={(v) => setRung(String(v))}
            options={[{ label: `全部(${all.length})`, value: 'all' }, ...Object.entries(RUNG).map(([value, word]) => ({ label: `${word}(${count(value)})`, value }))]}
          />
          <Button onClick={list.reload}>刷新</Button>
        </Space>
        <ListTable<Case>
          rowKey={(e) => `${e.itemKey}:${e.subject}:${e.periodSeq}`}
          loading={list.loading}
          rows={rows}
          scroll={{ x: 960 }}
          paging={{ pageSize: 10, unit: '件' }}
          empty="没有待督办的事项"
          columns={[
            {
              title: '事项',
              key: 'title',
              render: (_v, e) => (
                <ItemTitle plan={e.plan} code={e.item} title={e.title} />
              ),
            },
            { title: '牵头单位', dataIndex: 'lead', width: 120, render: (c: string) => <DepartmentName code={c} /> },
            { title: '事由', key: 'reason', width: 170, render: (_v, e) => chaseWords(e) },
            { title: '当前层级', dataIndex: 'rung', width: 130, render: (r: string) => <RungTag rung={r} /> },
            {
              title: '经过',
              key: 'steps',
              width: 230,
              render: (_v, e) => (
                <Space orientation="vertical" size={0}>
                  {e.steps.map((s) => (
                    <span key={s.rung} title={chineseDateTime(s.since)}>
                      {chineseDate(s.businessDate)} {RUNG[s.rung] ?? ''}
                    </span>
                  ))}
                </Space>
              ),
            },
            { title: '操作', key: 'actions', width: 100, render: (_v, e) => <InstructionButton plan={e.plan} item={e.item} title={e.title} size="small" onDone={list.reload} /> },
          ]}
        />
      </Card>
    </Space>
  );
}
