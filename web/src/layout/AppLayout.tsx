import { Button, Grid, Layout, Menu, Space, Typography, message } from 'antd';
import type { ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth';
import { DepartmentName } from '../departments';
import { ROLE } from '../labels';
import { pages } from '../pages';
import { downloadWithToken } from './download';
import { HealthBanner } from './HealthBanner';

const { Header, Sider, Content } = Layout;

/** The frame of every signed-in page: the role's menu, who is signed in, the ledger download, changing one's password and sign-out. */
export function AppLayout({ children }: { children: ReactNode }) {
  const { me, signOut } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const role = me?.role;
  // Below 'lg' the menu folds into a button at the left edge: the header keeps clear of it.
  const wide = Grid.useBreakpoint().lg ?? true;
  const menu = pages.filter((p) => p.menu && role && (p.roles === 'all' || p.roles.includes(role)));
  const selected = menu.find((p) => location.pathname === p.path || location.pathname.startsWith(`${p.path}/`))?.path;
  const ledger = async () => {
    try {
      await downloadWithToken('/api/v1/ledger.xlsx', '山东省互联网+行动计划任务台账.xlsx');
    } catch {
      void message.error('台账下载失败,请稍后重试');
    }
  };
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Sider breakpoint="lg" collapsedWidth={0} width={208} theme="light">
        <div style={{ padding: '16px 16px 8px', fontWeight: 600 }}>督办协调平台</div>
        <Menu mode="inline" selectedKeys={selected ? [selected] : []} items={menu.map((p) => ({ key: p.path, label: p.title }))} onClick={(e) => navigate(e.key)} />
      </Sider>
      <Layout>
        <Header style={{ background: '#fff', padding: wide ? '0 16px' : '0 16px 0 56px', display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: 8, flexWrap: 'wrap', height: 'auto', minHeight: 64 }}>
          <Typography.Text strong style={{ fontSize: 16 }}>
            山东省“互联网+”行动计划(2016-2018年)
          </Typography.Text>
          <Space wrap>
            <span>
              {me?.username}({role ? ROLE[role] : ''}
              {me?.department ? <> · <DepartmentName code={me.department} /></> : null})
            </span>
            <Button onClick={ledger}>下载台账</Button>
            <Button onClick={() => navigate('/account/password')}>修改密码</Button>
            <Button
              onClick={async () => {
                await signOut();
                navigate('/login');
              }}
            >
              退出登录
            </Button>
          </Space>
        </Header>
        <HealthBanner />
        <Content style={{ margin: 16 }}>{children}</Content>
      </Layout>
    </Layout>
  );
}
