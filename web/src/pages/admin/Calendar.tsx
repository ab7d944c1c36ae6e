import { Alert, Button, Card, Col, Descriptions, Modal, Result, Row, Select, Space, Tag, Typography, Upload, message } from 'antd';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import { chineseDate, chineseDateTime } from '../../format';
import { ListTable } from '../../components/ListTable';
import { PageTitle } from '../../components/PageTitle';
import { useLoad } from '../../hooks';
import type { Answer } from '../../api/types';

type Year = Answer<'/api/v1/calendar/{year}', 'get'>;
type Day = Year['days'][number];

const WEEKDAY = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];

function weekday(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return WEEKDAY[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]!;
}

async function loadYear(year: number): Promise<Year | null> {
  try {
    return await unwrap(api.GET('/api/v1/calendar/{year}', { params: { path: { year } } }));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** Reads an arrangement file {year, days:[{date, working, name}]}; a Chinese reason when it is not one. */
function parseArrangement(text: string): { year: number; days: Day[] } | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return '文件不是有效的 JSON';
  }
  const f = json as { year?: unknown; days?: unknown };
  if (typeof f !== 'object' || f === null || !Number.isInteger(f.year)) return '文件缺少年份(year)';
  if (!Array.isArray(f.days)) return '文件缺少日期安排(days)';
  return { year: f.year as number, days: f.days as Day[] };
}

/** The API's objections to a file, one line each: 第3条(date):日期格式应为 年-月-日. */
function problemsOf(err: ApiError): string[] {
  return err.fields.map((f) => {
    const m = /^days[.[](\d+)\]?\.?(\w+)?/.exec(f.field);
    const what: Record<string, string> = { date: '日期', working: '是否上班', name: '名称' };
    const message = m?.[2] === 'working' && f.message === '输入有误' ? '应为 true(上班)或 false(放假)' : f.message;
    return m ? `第${Number(m[1]) + 1}条${m[2] ? `(${what[m[2]] ?? m[2]})` : ''}:${message}` : `${f.field === 'days' ? '日期安排' : '文件'}:${message}`;
  });
}

/** 工作日历: a year's holidays and make-up working days, and loading a year from the official arrangement file. */
export function CalendarPage() {
  const thisYear = new Date().getFullYear();
  const [year, setYear] = useState(2016);
  const cal = useLoad(() => loadYear(year), [year]);
  const [problems, setProblems] = useState<string[]>();
  const [error, setError] = useState<string>();
  // The hook's dialogs get the console's locale, theme and button settings; the static Modal.confirm would not.
  const [modal, modalHolder] = Modal.useModal();
  const years = Array.from({ length: thisYear + 2 - 2014 }, (_v, i) => 2014 + i);

  const upload = async (file: File) => {
    setProblems(undefined);
    setError(undefined);
    const parsed = parseArrangement(await file.text());
    if (typeof parsed === 'string') {
      setError(parsed);
      return;
    }
    const holidays = parsed.days.filter((d) => d && d.working === false).length;
    void modal.confirm({
      title: `加载${parsed.year}年工作日历?`,
      content: `文件共${parsed.days.length}条安排:放假${holidays}天,调休上班${parsed.days.length - holidays}天。加载后将替换该年已有的安排,办理中的事项会按新日历重新计算期限。`,
      okText: '加载',
      cancelText: '取消',
      onOk: async () => {
        try {
          const r = await unwrap(api.PUT('/api/v1/calendar/{year}', { params: { path: { year: parsed.year } }, body: { days: parsed.days } }));
          void message.success(r.changed ? `已加载${parsed.year}年工作日历${r.openItemsRetimed ? `,已通知${r.openItemsRetimed}个办理中的事项重新计算期限` : ''}` : `${parsed.year}年工作日历与文件一致,未作更改`);
          // The calendar stands; items that could not be told now are told by the next load.
          if (r.openItemsFailed.length) void message.warning(`${r.openItemsFailed.length}个办理中的事项未能通知重新计算期限,请稍后重新加载本年度日历`, 10);
          if (parsed.year === year) cal.reload();
          else setYear(parsed.year);
        } catch (err) {
          if (err instanceof ApiError) {
            setError(err.status === 403 ? '无权加载工作日历' : '文件内容有误,未加载');
            setProblems(problemsOf(err));
          } else setError('加载未成功,请稍后重试');
        }
      },
    });
  };

  const days = cal.data?.days ?? [];
  const holidays = days.filter((d) => !d.working).length;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {modalHolder}
      <PageTitle>工作日历</PageTitle>
      <Card size="small">
        <Space wrap>
          <label htmlFor="calendar-year">年度</label>
          <Select id="calendar-year" value={year} onChange={setYear} style={{ minWidth: 120 }} options={years.map((y) => ({ value: y, label: `${y}年` }))} />
          <Upload accept=".json,application/json" showUploadList={false} beforeUpload={(f) => (void upload(f), false)}>
            <Button type="primary">从文件加载年度日历</Button>
          </Upload>
          <Typography.Text type="secondary">文件格式:{'{"year": 2017, "days": [{"date": "2017-01-02", "working": false, "name": "元旦"}]}'}</Typography.Text>
        </Space>
        {error ? (
          <Alert
            type="error"
            showIcon
            role="alert"
            style={{ marginTop: 12 }}
            title={error}
            description={problems?.length ? <ul style={{ margin: 0, paddingLeft: 20 }}>{problems.slice(0, 20).map((p) => <li key={p}>{p}</li>)}</ul> : undefined}
          />
        ) : null}
      </Card>
      {cal.error ? <Alert type="error" showIcon title={cal.error.text} /> : null}
      {cal.data === null ? (
        <Result status="info" title={`${year}年工作日历尚未加载`} subTitle="未加载日历的年度,事项期限无法计算,请从文件加载。" />
      ) : cal.data ? (
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={8}>
            <Card title={`${cal.data.year}年`} size="small">
              <Descriptions
                size="small"
                column={1}
                items={[
                  { key: 'holidays', label: '法定节假日放假', children: `${holidays}天` },
                  { key: 'makeup', label: '调休上班', children: `${days.length - holidays}天` },
                  { key: 'source', label: '来源', children: cal.data.source === 'api' ? '管理员上传' : cal.data.source === 'chinese-days' ? '内置国务院办公厅安排' : '命令行导入' },
                  { key: 'at', label: '加载时间', children: chineseDateTime(cal.data.loadedAt) },
                  { key: 'by', label: '加载人', children: cal.data.loadedBy || '—' },
                ]}
              />
            </Card>
          </Col>
          <Col xs={24} xl={16}>
            <Card title="节假日与调休安排" size="small">
              <ListTable<Day>
                rowKey="date"
                size="small"
                rows={days}
                loading={cal.loading}
                paging={{ pageSize: 15, unit: '天' }}
                columns={[
                  { title: '日期', dataIndex: 'date', render: (d: string) => chineseDate(d) },
                  { title: '星期', dataIndex: 'date', key: 'weekday', render: weekday },
                  { title: '安排', dataIndex: 'working', render: (w: boolean) => (w ? <Tag color="blue">调休上班</Tag> : <Tag color="red">放假</Tag>) },
                  { title: '名称', dataIndex: 'name' },
                ]}
              />
            </Card>
          </Col>
        </Row>
      ) : null}
    </Space>
  );
}
