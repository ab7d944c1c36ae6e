import { authRoutes } from './auth';
import { boardRoutes } from './board';
import { calendarRoutes } from './calendar';
import { catalogRoutes } from './catalog';
import { consoleBoardRoutes } from './console-board';
import { departmentRoutes } from './departments';
import { inboxRoutes } from './inbox';
import { itemRoutes } from './items';
import { ledgerRoutes } from './ledger';
import { supervisionNoticeRoutes } from './supervision-notices';
import { digestPdfRoutes } from './digest-pdf';
import { assessmentRoutes } from './assessments';

/** Every /api/v1 route; the OpenAPI document is built from this list. */
export const apiRoutes = [...authRoutes, ...catalogRoutes, ...itemRoutes, ...calendarRoutes, ...inboxRoutes, ...boardRoutes, ...ledgerRoutes, ...departmentRoutes, ...consoleBoardRoutes, ...supervisionNoticeRoutes, ...digestPdfRoutes, ...assessmentRoutes];
