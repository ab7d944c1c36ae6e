import { Alert, Button, Card, Col, Form, Input, Row, Select, Space, Table, Tag, message, Empty } from 'antd';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError, formFields } from '../../api/errors';
import { DepartmentName, useDepartments } from '../../departments';
import { PageTitle } from '../../components/PageTitle';
import { useLoad } from '../../hooks';
import { label, ROLE } from '../../labels';

interface UserRow {
  id?: number;
  username: string;
  role: string;
  department: string | null;
  displayName?: string | null;
  disabled?: boolean;
}

interface NewUser {
  username: string;
  displayName?: string;
  password: string;
  role: 'admin' | 'secretariat' | 'leadership' | 'department';
  department?: string;
}

/** The user list (GET /api/v1/users). */
async function loadUsers(): Promise<UserRow[]> {
  return (await unwrap(api.GET('/api/v1/users'))).users;
}

/** 用户管理: the users, and a form to add one with its role and, for a liaison, its department. */
export function UsersPage() {
  const users = useLoad(loadUsers, []);
  const { list: departments } = useDepartments();
  const [added, setAdded] = useState<UserRow[]>([]);
  const [form] = Form.useForm<NewUser>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const role = Form.useWatch('role', form);

  const submit = async (v: NewUser) => {
    setBusy(true);
    setError(undefined);
    try {
      const body = { username: v.username, password: v.password, role: v.role, ...(v.role === 'department' ? { department: v.department } : {}), ...(v.displayName?.trim() ? { displayName: v.displayName } : {}) };
      const created = await unwrap(api.POST('/api/v1/users', { body }));
      setAdded((a) => [{ ...created, displayName: v.displayName ?? null }, ...a]);
      void message.success(`已添加用户 ${v.username}`);
      form.resetFields();
      users.reload();
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = formFields(err);
        // The form checks the user name's form first, so the API's remaining objection to it is that it is taken.
        const named = fields.map((f) => (f.name[0] === 'username' ? { ...f, errors: ['该用户名已被占用'] } : f));
        if (named.length) form.setFields(named as Parameters<typeof form.setFields>[0]);
        setError(err.status === 409 || named.some((f) => f.name[0] === 'username') ? '该用户名已被占用' : err.text);
      } else setError('添加未成功,请稍后重试');
    } finally {
      setBusy(false);
    }
  };

  const listed = users.data;
  const rows = listed ?? added;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle>用户管理</PageTitle>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={9}>
          <Card title="添加用户" size="small">
            {error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 12 }} title={error} /> : null}
            <Form<NewUser> form={form} name="add-user" layout="vertical" onFinish={submit} initialValues={{ role: 'department' }}>
              <Form.Item name="username" label="用户名" rules={[{ required: true, message: '请填写用户名' }, { pattern: /^[A-Za-z0-9._-]{3,64}$/, message: '3至64个字符,只能包含字母、数字及 . _ -' }]}>
                <Input autoComplete="off" />
              </Form.Item>
              <Form.Item name="displayName" label="姓名" rules={[{ max: 200, message: '不能超过200个字符' }]}>
                <Input autoComplete="off" />
              </Form.Item>
              <Form.Item name="password" label="初始密码" extra="至少10个字符,请通过安全渠道告知本人" rules={[{ required: true, message: '请填写初始密码' }, { min: 10, message: '至少10个字符' }]}>
                <Input.Password autoComplete="new-password" />
              </Form.Item>
              <Form.Item name="role" label="角色" rules={[{ required: true, message: '请选择角色' }]}>
                <Select options={Object.entries(ROLE).map(([value, text]) => ({ value, label: text }))} />
              </Form.Item>
              {role === 'department' ? (
                <Form.Item name="department" label="所属部门" rules={[{ required: true, message: '请选择所属部门' }]}>
                  <Select
                    showSearch={{ optionFilterProp: 'label' }}
                    placeholder="选择部门"
                    options={departments.map((d) => ({ value: d.code, label: d.shortName || d.name, title: d.name }))}
                  />
                </Form.Item>
              ) : null}
              <Button type="primary" htmlType="submit" loading={busy}>
                添加用户
              </Button>
            </Form>
          </Card>
        </Col>
        <Col xs={24} xl={15}>
          <Card title={listed ? `全部用户(${listed.length})` : '本次添加的用户'} size="small">
            {users.error ? <Alert type="error" showIcon title={users.error.text} style={{ marginBottom: 12 }} /> : null}
            {!listed && !users.loading ? <Alert type="info" showIcon style={{ marginBottom: 12 }} title="用户列表暂不可用,下面列出本次添加的用户。" /> : null}
            <Table<UserRow>
              rowKey={(u) => u.username}
              size="small"
              loading={users.loading}
              dataSource={rows}
              scroll={{ x: 640 }}
              pagination={{ pageSize: 15, showSizeChanger: false, showTotal: (t) => `共 ${t} 人` }}
              locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={'暂无用户'} /> }}
              columns={[
                { title: '用户名', dataIndex: 'username' },
                { title: '姓名', dataIndex: 'displayName', render: (n: string | null | undefined) => n || '—' },
                { title: '角色', dataIndex: 'role', render: (r: string) => label(ROLE, r) },
                { title: '所属部门', dataIndex: 'department', render: (c: string | null) => (c ? <DepartmentName code={c} /> : '—') },
                { title: '状态', dataIndex: 'disabled', render: (off: boolean | undefined) => (off ? <Tag>已停用</Tag> : <Tag color="#237804">正常</Tag>) },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
