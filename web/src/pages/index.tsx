import type { ReactNode } from 'react';
import { ChangePasswordPage } from './account/ChangePassword';
import { CalendarPage } from './admin/Calendar';
import { DepartmentsPage } from './admin/Departments';
import { UsersPage } from './admin/Users';
import { InboxPage } from './department/Inbox';
import { MyItemsPage } from './department/MyItems';
import { ReportPage } from './department/ReportPage';
import type { Role } from './home';
import { ItemPage } from './item/ItemPage';
import { EscalationsPage } from './leadership/Escalations';
import { AssessmentPage } from './secretariat/Assessment';
import { AssignPage } from './secretariat/Assign';
import { BoardPage } from './secretariat/Board';
import { DigestsPage } from './secretariat/Digests';
import { ItemListPage } from './secretariat/ItemList';
import { ReviewPage } from './secretariat/Review';
import { ScorecardPage } from './secretariat/Scorecard';

/**
 * Every page of the console, declared once: its path, its Chinese title (the
 * menu entry), who may open it, and whether the menu lists it. The router and
 * the menu are both built from this list.
 */
export interface PageDef {
  path: string;
  title: string;
  roles: Role[] | 'all';
  menu: boolean;
  element: ReactNode;
}

export const pages: PageDef[] = [
  // Department liaison, leadership, item detail and administration.
  { path: '/my-items', title: '我的事项', roles: ['department'], menu: true, element: <MyItemsPage /> },
  { path: '/inbox', title: '消息', roles: ['department'], menu: true, element: <InboxPage /> },
  { path: '/escalations', title: '督办事项', roles: ['leadership'], menu: true, element: <EscalationsPage /> },
  { path: '/items/:plan/:item', title: '事项详情', roles: 'all', menu: false, element: <ItemPage /> },
  { path: '/items/:plan/:item/report', title: '进展报送', roles: ['department'], menu: false, element: <ReportPage /> },
  // Every signed-in user's own account, reached from the header.
  { path: '/account/password', title: '修改密码', roles: 'all', menu: false, element: <ChangePasswordPage /> },
  { path: '/admin/users', title: '用户管理', roles: ['admin'], menu: true, element: <UsersPage /> },
  { path: '/admin/departments', title: '部门通知渠道', roles: ['admin'], menu: true, element: <DepartmentsPage /> },
  { path: '/admin/calendar', title: '工作日历', roles: ['admin'], menu: true, element: <CalendarPage /> },
  // Secretariat (领导小组办公室).
  { path: '/board', title: '督办看板', roles: ['secretariat', 'leadership'], menu: true, element: <BoardPage /> },
  { path: '/items', title: '事项清单', roles: ['secretariat', 'leadership'], menu: true, element: <ItemListPage /> },
  { path: '/assign', title: '交办', roles: ['secretariat'], menu: true, element: <AssignPage /> },
  { path: '/review', title: '审核办理', roles: ['secretariat'], menu: true, element: <ReviewPage /> },
  { path: '/scorecard', title: '部门考核', roles: ['secretariat', 'leadership'], menu: true, element: <ScorecardPage /> },
  { path: '/assessment', title: '年度考核', roles: ['secretariat', 'leadership'], menu: true, element: <AssessmentPage /> },
  { path: '/digests', title: '周报', roles: ['secretariat', 'leadership'], menu: true, element: <DigestsPage /> },
];
