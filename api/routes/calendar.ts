import { z } from 'zod';
import { arrangementFileSchema, loadCalendarYear, readCalendar } from '../../db/calendar/store';
import { CalendarNotLoadedError } from '../../domain/calendar';
import { formatPath, isoDate, MAX_DATE_YEAR, MIN_DATE_YEAR } from '../../db/catalog/plan-schema';
import { HttpError, invalid } from '../errors';
import { route } from '../route';
import { day, instant } from '../schemas';
import { signalCalendarChanged } from '../services/calendar';

// The years a date may name anywhere in the API (isoDate).
const year = z.object({ year: z.coerce.number().int().min(MIN_DATE_YEAR).max(MAX_DATE_YEAR) }).strict();

/** Calendar errors are the caller's: a year not loaded, a date that does not exist. */
function calendarError(err: unknown): never {
  if (err instanceof CalendarNotLoadedError) throw new HttpError(422, 'calendar_not_loaded', err.message);
  if (err instanceof RangeError) throw new HttpError(422, 'invalid_date', err.message);
  throw err;
}

export const calendarRoutes = [
  route({
    method: 'get',
    path: '/calendar/add-working-days',
    operationId: 'addWorkingDays',
    errors: { 422: 'Invalid input, a year whose calendar is not loaded (calendar_not_loaded), or a date that does not exist' },
    response: z.object({ date: day }),
    tag: 'calendar',
    summary: 'The date N working days after (or before) a date',
    access: 'signed-in',
    query: z.object({ from: isoDate, days: z.coerce.number().int().min(-366).max(366) }).strict(),
    handler: async ({ deps, query }) => {
      const cal = await readCalendar(deps.db);
      try {
        return { date: cal.addWorkingDays(query.from, query.days) };
      } catch (err) {
        return calendarError(err);
      }
    },
  }),
  route({
    method: 'get',
    path: '/calendar/:year',
    operationId: 'getCalendarYear',
    errors: { 404: 'The calendar of this year is not loaded' },
    response: z.object({
      year: z.number().int(),
      source: z.string(),
      loadedAt: instant,
      loadedBy: z.string(),
      /** Holidays and make-up working days; every other weekday works and every weekend rests. */
      days: z.array(z.object({ date: day, working: z.boolean(), name: z.string() })),
    }),
    tag: 'calendar',
    summary: "List a year's holidays and make-up working days",
    access: 'signed-in',
    params: year,
    handler: async ({ deps, params }) => {
      const loaded = await deps.db('calendar_years').where({ year: params.year }).first('source', 'loaded_at', 'loaded_by');
      if (!loaded) throw new HttpError(404, 'calendar_not_loaded', `calendar for ${params.year} not loaded`);
      const days = await deps.db('calendar_days').where({ year: params.year }).orderBy('day').select(deps.db.raw(`to_char(day, 'YYYY-MM-DD') as date`), 'working', 'name');
      return { year: params.year, source: loaded.source, loadedAt: loaded.loaded_at, loadedBy: loaded.loaded_by, days };
    },
  }),
  route({
    method: 'put',
    path: '/calendar/:year',
    operationId: 'loadCalendarYear',
    response: z.object({
      year: z.number().int(),
      days: z.number().int().min(0),
      /** False when the year was loaded already with the same days. */
      changed: z.boolean(),
      /** How many open items were told to re-time their deadlines. */
      openItemsRetimed: z.number().int().min(0),
      /** How many items listed as open had closed meanwhile: nothing to re-time. */
      openItemsClosed: z.number().int().min(0),
      /**
       * The workflow ids of open items that could not be told (Temporal unreachable or failing):
       * they keep their old deadlines until the year is loaded again. The calendar itself is loaded.
       */
      openItemsFailed: z.array(z.string()),
    }),
    tag: 'calendar',
    summary: "Load a year's official arrangement (replaces it); open items re-time their deadlines",
    access: ['admin'],
    params: year,
    body: z.object({ days: arrangementFileSchema.shape.days }).strict(),
    handler: async ({ deps, params, body, principal, requestId }) => {
      const parsed = arrangementFileSchema.safeParse({ year: params.year, days: body.days });
      if (!parsed.success) throw invalid(parsed.error.issues.map((i) => ({ field: formatPath(i.path), message: i.message })));
      const result = await loadCalendarYear(deps.db, parsed.data, { actor: principal.username, source: 'api', requestId });
      const notice = await signalCalendarChanged(deps.client, deps.db, deps.log);
      return { ...result, openItemsRetimed: notice.told, openItemsClosed: notice.closed, openItemsFailed: notice.failed.map((f) => f.workflowId) };
    },
  }),
];
