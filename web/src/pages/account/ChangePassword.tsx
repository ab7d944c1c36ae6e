import { Alert, Button, Card, Form, Input, Space, message } from 'antd';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import { PageTitle } from '../../components/PageTitle';
import { MAX_PASSWORD, MIN_PASSWORD, newPasswordRules, sameAs, setPasswordErrors } from './password';

interface Values {
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}

/**
 * 修改密码 (POST /api/v1/auth/password), for every signed-in user: the
 * current password, the new one twice. The user's other sessions end; this
 * one is kept.
 */
export function ChangePasswordPage() {
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<{ sessionsEnded: number }>();

  const submit = async (v: Values) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const r = await unwrap(api.POST('/api/v1/auth/password', { body: { currentPassword: v.currentPassword, newPassword: v.newPassword } }));
      form.resetFields();
      setDone({ sessionsEnded: r.sessionsEnded });
      void message.success('密码已修改');
    } catch (err) {
      if (err instanceof ApiError) {
        setPasswordErrors(form, err);
        setError(
          err.status === 429
            ? '当前密码输错次数过多,请稍后再试'
            : err.fields.some((f) => f.field === 'currentPassword')
              ? '当前密码不正确,密码未修改'
              : err.text,
        );
      } else setError('修改未成功,请稍后重试');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <PageTitle>修改密码</PageTitle>
      <Card size="small" style={{ maxWidth: 520 }}>
        {done ? (
          <Alert
            type="success"
            showIcon
            role="status"
            style={{ marginBottom: 16 }}
            title="密码已修改"
            description={`下次登录请使用新密码。${done.sessionsEnded ? `您在其他浏览器或设备上的${done.sessionsEnded}个登录已结束` : '您在其他浏览器或设备上的登录均已结束'},当前登录保持有效。`}
          />
        ) : null}
        {error ? <Alert type="error" showIcon role="alert" style={{ marginBottom: 16 }} title={error} /> : null}
        <Form<Values> form={form} name="change-password" layout="vertical" onFinish={submit} onValuesChange={() => setDone(undefined)}>
          <Form.Item name="currentPassword" label="当前密码" rules={[{ required: true, message: '请输入当前密码' }, { max: MAX_PASSWORD, message: `不能超过${MAX_PASSWORD}个字符` }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item
            name="newPassword"
            label="新密码"
            extra={`至少${MIN_PASSWORD}个字符。修改后,您在其他浏览器或设备上的登录将结束。`}
            dependencies={['currentPassword']}
            rules={[
              ...newPasswordRules,
              ({ getFieldValue }) => ({
                validator: async (_r, value: string | undefined) => {
                  if (value && value === getFieldValue('currentPassword')) throw new Error('新密码不能与当前密码相同');
                },
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item name="confirmPassword" label="确认新密码" dependencies={['newPassword']} rules={[{ required: true, message: '请再次输入新密码' }, sameAs('newPassword')]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            确认修改
          </Button>
        </Form>
      </Card>
    </Space>
  );
}
