import { authRoutes } from './auth';
import { calendarRoutes } from './calendar';
import { catalogRoutes } from './catalog';
import { itemRoutes } from './items';

/** Every /api/v1 route; the OpenAPI document is built from this list. */
export const apiRoutes = [...authRoutes, ...catalogRoutes, ...itemRoutes, ...calendarRoutes];
