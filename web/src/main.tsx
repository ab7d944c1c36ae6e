import { ConfigProvider, Result, Spin } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { AuthProvider, useAuth } from './auth';
import { DepartmentsProvider } from './departments';
import { AppLayout } from './layout/AppLayout';
import { pages } from './pages';
import { homeOf } from './pages/home';
import { LoginPage } from './pages/Login';

dayjs.locale('zh-cn');

/** Colours dark enough for WCAG AA contrast on white (antd's default blue and grey text are not): axe checks every page. */
const ACCESSIBLE_THEME = {
  token: { colorPrimary: '#0958d9', colorLink: '#0958d9', colorTextSecondary: 'rgba(0, 0, 0, 0.65)', colorTextDescription: 'rgba(0, 0, 0, 0.65)', colorTextTertiary: 'rgba(0, 0, 0, 0.6)', colorError: '#cf1322', colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)' },
};

function Guarded() {
  const { me, ready } = useAuth();
  const location = useLocation();
  if (!ready) return <Spin style={{ margin: 64 }} />;
  if (!me) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return (
    <DepartmentsProvider>
      <AppLayout>
        <Routes>
          {pages.map((p) => (
            <Route key={p.path} path={p.path} element={p.roles === 'all' || p.roles.includes(me.role) ? p.element : <Result status="403" title="无权访问" subTitle="您的账号无权访问此页面。" />} />
          ))}
          <Route path="/" element={<Navigate to={homeOf(me.role)} replace />} />
          <Route path="*" element={<Result status="404" title="页面不存在" />} />
        </Routes>
      </AppLayout>
    </DepartmentsProvider>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <ConfigProvider locale={zhCN} theme={ACCESSIBLE_THEME} button={{ autoInsertSpace: false }}>
      <AuthProvider>
        <BrowserRouter>
          <Routes>
            <Route path="/login" element={<LoginPage />} />
            <Route path="/*" element={<Guarded />} />
          </Routes>
        </BrowserRouter>
      </AuthProvider>
    </ConfigProvider>
  </StrictMode>,
);
