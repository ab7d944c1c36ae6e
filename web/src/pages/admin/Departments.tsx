import { Alert, Button, Card, Form, Input, Modal, Space, Tag, Typography, message, Checkbox } from 'antd';
import { ListTable } from '../../components/ListTable';
import { PageTitle } from '../../components/PageTitle';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError, formFields } from '../../api/errors';
import type { Body } from '../../api/types';
import { useDepartments, type Department } from '../../departments';
import { DEPARTMENT_KIND, label } from '../../labels';
import { LINK_LIMITS, atMost } from '../../limits';

type Channels = Body<'/api/v1/departments/{code}/channels', 'put'>;
/** The dialog's fields: each channel as typed (empty keeps what is set), and whether to clear the webhook or the e-mail. */
type ChannelValues = { [K in keyof Channels]?: string } & { clearWebhook?: boolean; clearEmail?: boolean };

function SetTag({ on }: { on: boolean }) {
  return on ? <Tag color="#237804">已设置</Tag> : <Tag>未设置</Tag>;
}

/** The channels dialog of one department: a field left empty keeps what is set; the secret is never shown, only replaced. */
function ChannelsDialog({ dept, onClose, onSaved }: { dept: Department; onClose: () => void; onSaved: () => void }) {
  const [form] = Form.useForm<ChannelValues>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const clearWebhook = Form.useWatch('clearWebhook', form);
  const clearEmail = Form.useWatch('clearEmail', form);
  const save = async (v: ChannelValues) => {
    const body: Channels = {};
    if (v.clearWebhook) Object.assign(body, { webhookUrl: null, webhookSecret: null });
    else {
      if (v.webhookUrl?.trim()) body.webhookUrl = v.webhookUrl.trim();
      if (v.webhookSecret) body.webhookSecret = v.webhookSecret;
    }
    if (v.clearEmail) body.email = null;
    else if (v.email?.trim()) body.email = v.email.trim();
    if (!Object.keys(body).length) {
      setError('请至少填写一项');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(api.PUT('/api/v1/departments/{code}/channels', { params: { path: { code: dept.code } }, body }));
      void message.success(`已保存${dept.shortName || dept.name}的通知渠道`);
      onSaved();
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = formFields(err);
        if (fields.length) form.setFields(fields as Parameters<typeof form.setFields>[0]);
        setError(err.text);
      } else setError('保存未成功,请稍后重试');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={`通知渠道:${dept.name}`} okText="保存" cancelText="取消" confirmLoading={busy} onOk={() => form.submit()} onCancel={onClose} destroyOnHidden>
      {error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 12 }} title={error} /> : null}
      <Form<ChannelValues> form={form} name="channels" layout="vertical" onFinish={save}>
        <Typography.Paragraph type="secondary">
          Webhook:{dept.webhook ? '已设置' : '未设置'};电子邮箱:{dept.email ? '已设置' : '未设置'}。留空的项保持不变;密钥不会显示。
        </Typography.Paragraph>
        <Form.Item
          name="webhookUrl"
          label="Webhook 地址"
          rules={[
            { pattern: /^https?:\/\/\S+$/, message: '应为 http(s) 链接' },
            atMost(LINK_LIMITS.webhook),
          ]}
        >
          <Input placeholder={dept.webhook ? '已设置,留空不变' : 'https://'} disabled={clearWebhook} inputMode="url" />
        </Form.Item>
        <Form.Item
          name="webhookSecret"
          label="签名密钥"
          dependencies={['webhookUrl']}
          extra="至少16个字符;设置新的 Webhook 地址时必填"
          rules={[
            { min: 16, message: '至少16个字符' },
            { max: 500, message: '不能超过500个字符' },
            ({ getFieldValue }) => ({
              validator: async (_r, v: string | undefined) => (getFieldValue('webhookUrl')?.trim() && !v && !getFieldValue('clearWebhook') ? Promise.reject(new Error('设置 Webhook 地址时须同时设置签名密钥')) : undefined),
            }),
          ]}
        >
          <Input.Password placeholder={dept.webhook ? '已设置,留空不变' : ''} autoComplete="new-password" disabled={clearWebhook} />
        </Form.Item>
        {dept.webhook ? (
          <Form.Item name="clearWebhook" valuePropName="checked">
            <Checkbox>停用 Webhook</Checkbox>
          </Form.Item>
        ) : null}
        <Form.Item name="email" label="电子邮箱" rules={[{ type: 'email', message: '电子邮箱格式不正确' }]}>
          <Input placeholder={dept.email ? '已设置,留空不变' : 'name@example.gov.cn'} disabled={clearEmail} inputMode="email" />
        </Form.Item>
        {dept.email ? (
          <Form.Item name="clearEmail" valuePropName="checked">
            <Checkbox>停用电子邮件</Checkbox>
          </Form.Item>
        ) : null}
      </Form>
    </Modal>
  );
}

/** 部门通知渠道: each department's webhook and e-mail, shown only as set or not set. */
export function DepartmentsPage() {
  const { list, reload } = useDepartments();
  const [editing, setEditing] = useState<Department>();
  const [filter, setFilter] = useState('');
  const rows = list.filter((d) => !filter || d.name.includes(filter) || (d.shortName ?? '').includes(filter));
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle>部门通知渠道</PageTitle>
      <Card size="small">
        <Space wrap style={{ marginBottom: 12 }}>
          <label htmlFor="dept-filter">查找部门</label>
          <Input id="dept-filter" allowClear value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="部门名称" />
        </Space>
        <ListTable<Department>
          rowKey="code"
          size="small"
          rows={rows}
          scroll={{ x: 720 }}
          paging={{ pageSize: 15, unit: '个部门' }}
          columns={[
            { title: '部门', key: 'short', render: (_v, d) => d.shortName || d.name },
            { title: '全称', dataIndex: 'name' },
            {
              title: '类别',
              dataIndex: 'kind',
              render: (k: string) => label(DEPARTMENT_KIND, k),
              // With the 17 cities the directory runs to several pages: the administrator narrows it by kind.
              filters: Object.entries(DEPARTMENT_KIND).map(([value, text]) => ({ value, text })),
              onFilter: (value, d) => d.kind === value,
            },
            { title: 'Webhook', dataIndex: 'webhook', render: (on: boolean) => <SetTag on={on} /> },
            { title: '电子邮件', dataIndex: 'email', render: (on: boolean) => <SetTag on={on} /> },
            {
              title: '操作',
              key: 'edit',
              render: (_v, d) => (
                <Button size="small" onClick={() => setEditing(d)} aria-label={`设置${d.shortName || d.name}的通知渠道`}>
                  设置
                </Button>
              ),
            },
          ]}
        />
      </Card>
      {editing ? (
        <ChannelsDialog
          dept={editing}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            reload();
          }}
        />
      ) : null}
    </Space>
  );
}
