import { Alert, Button, Card, Col, Form, Input, Modal, Row, Select, Space, Tag, message } from 'antd';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError, formFields } from '../../api/errors';
import type { Answer, Body } from '../../api/types';
import { useAuth } from '../../auth';
import { DepartmentName, departmentOptions, useDepartments } from '../../departments';
import { ListTable } from '../../components/ListTable';
import { PageTitle } from '../../components/PageTitle';
import { useLoad } from '../../hooks';
import { label, ROLE } from '../../labels';
import { ResetPasswordDialog, ResetResultDialog, type ResetOutcome, type ResetTarget } from './ResetPassword';

type UserRow = Answer<'/api/v1/users', 'get'>['users'][number];
type NewUser = Body<'/api/v1/users', 'post'>;

/** The user list (GET /api/v1/users). */
async function loadUsers(): Promise<UserRow[]> {
  return (await unwrap(api.GET('/api/v1/users'))).users;
}

/** The account actions the API offers an administrator on one user (POST /api/v1/users/{id}/…), each confirmed first. */
type Account = 'disable' | 'enable' | 'end-sessions';

const CONFIRM: Record<Account, (u: UserRow, self: boolean) => { title: string; content: string; okText: string; danger: boolean }> = {
  disable: (u) => ({ title: `停用用户 ${u.username}?`, content: '停用后该用户不能登录,其全部登录立即结束。可随时重新启用。', okText: '停用', danger: true }),
  enable: (u) => ({ title: `启用用户 ${u.username}?`, content: '启用后该用户可以用原密码重新登录。', okText: '启用', danger: false }),
  'end-sessions': (u, self) => ({
    title: `结束 ${u.username} 的全部会话?`,
    content: self ? '将结束您在其他浏览器或设备上的全部登录,当前登录保持有效。' : '该用户在所有浏览器和设备上的登录将立即结束,须重新登录。',
    okText: '结束会话',
    danger: true,
  }),
};

async function runAccount(action: Account, id: number): Promise<string> {
  const path = { params: { path: { id } } };
  if (action === 'disable') {
    const u = await unwrap(api.POST('/api/v1/users/{id}/disable', path));
    return `已停用用户 ${u.username}`;
  }
  if (action === 'enable') {
    const u = await unwrap(api.POST('/api/v1/users/{id}/enable', path));
    return `已启用用户 ${u.username}`;
  }
  const r = await unwrap(api.POST('/api/v1/users/{id}/sessions/end', path));
  return r.sessionsEnded ? `已结束${r.sessionsEnded}个登录会话` : '该用户没有需要结束的登录会话';
}

/** The API's refusal of an account action, in Chinese; an administrator disabling themself is refused (409). */
function accountError(action: Account, err: unknown): string {
  if (!(err instanceof ApiError)) return '操作未成功,请稍后重试';
  if (action === 'disable' && err.status === 409) return '不能停用自己的账号';
  if (err.status === 404) return '该用户不存在,请刷新用户列表';
  return err.text;
}

/** 停用 / 启用, 重置密码 and 结束会话 for one user. */
function UserActions({ user, onAction, onReset }: { user: UserRow & { id: number }; onAction: (action: Account) => void; onReset: () => void }) {
  const who = user.username;
  return (
    <Space size={4} wrap>
      {user.disabled ? (
        <Button size="small" onClick={() => onAction('enable')} aria-label={`启用用户 ${who}`}>
          启用
        </Button>
      ) : (
        <Button size="small" danger onClick={() => onAction('disable')} aria-label={`停用用户 ${who}`}>
          停用
        </Button>
      )}
      <Button size="small" onClick={onReset} aria-label={`重置密码 ${who}`}>
        重置密码
      </Button>
      <Button size="small" onClick={() => onAction('end-sessions')} aria-label={`结束会话 ${who}`}>
        结束会话
      </Button>
    </Space>
  );
}

/** 用户管理: the users with their state and account actions, and a form to add one with its role and, for a liaison, its department. */
export function UsersPage() {
  const users = useLoad(loadUsers, []);
  const { me } = useAuth();
  // The hook's dialogs get the console's locale, theme and button settings; the static Modal.confirm would not.
  const [modal, modalHolder] = Modal.useModal();
  const [resetting, setResetting] = useState<ResetTarget & { self: boolean }>();
  const [outcome, setOutcome] = useState<ResetOutcome>();
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

  const account = (action: Account, u: UserRow & { id: number }) => {
    const self = u.username === me?.username;
    const c = CONFIRM[action](u, self);
    void modal.confirm({
      title: c.title,
      content: c.content,
      okText: c.okText,
      okButtonProps: { danger: c.danger },
      cancelText: '取消',
      onOk: async () => {
        // Settled here, never rejected: a rejected onOk would keep the dialog open with nothing said.
        try {
          void message.success(await runAccount(action, u.id));
        } catch (err) {
          void message.error(accountError(action, err), 6);
        }
        users.reload();
      },
    });
  };

  const listed = users.data;
  const rows = listed ?? added;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      {modalHolder}
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
                    options={departmentOptions(departments)}
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
            <ListTable<UserRow>
              rowKey={(u) => u.username}
              size="small"
              loading={users.loading}
              rows={rows}
              scroll={{ x: 880 }}
              paging={{ pageSize: 15, unit: '人' }}
              empty="暂无用户"
              columns={[
                {
                  title: '用户名',
                  dataIndex: 'username',
                  // The user's name and the actions stay in view while a narrow table scrolls sideways.
                  fixed: 'left',
                  render: (n: string) => (
                    <>
                      {n}
                      {n === me?.username ? <Tag style={{ marginInlineStart: 6 }}>本人</Tag> : null}
                    </>
                  ),
                },
                // The state next to the name, in view before the table scrolls sideways.
                { title: '状态', dataIndex: 'disabled', render: (off: boolean | undefined) => (off ? <Tag>已停用</Tag> : <Tag color="#237804">正常</Tag>) },
                { title: '姓名', dataIndex: 'displayName', render: (n: string | null | undefined) => n || '—' },
                { title: '角色', dataIndex: 'role', render: (r: string) => label(ROLE, r) },
                { title: '所属部门', dataIndex: 'department', render: (c: string | null) => (c ? <DepartmentName code={c} /> : '—') },
                {
                  title: '操作',
                  key: 'actions',
                  fixed: 'right',
                  width: 228,
                  render: (_v, u) =>
                    u.id === undefined ? null : (
                      <UserActions
                        user={{ ...u, id: u.id }}
                        onAction={(action) => account(action, { ...u, id: u.id as number })}
                        onReset={() => setResetting({ id: u.id as number, username: u.username, self: u.username === me?.username })}
                      />
                    ),
                },
              ]}
            />
          </Card>
        </Col>
      </Row>
      {resetting ? (
        <ResetPasswordDialog
          user={resetting}
          self={resetting.self}
          onClose={() => setResetting(undefined)}
          onDone={(o) => {
            setResetting(undefined);
            setOutcome(o);
            users.reload();
          }}
        />
      ) : null}
      {outcome ? <ResetResultDialog outcome={outcome} onClose={() => setOutcome(undefined)} /> : null}
    </Space>
  );
}
