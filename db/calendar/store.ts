import { z } from 'zod';
import { boundedText } from '../catalog/plan-schema';
import type { Db } from '../connection';
import { OFFICIAL_YEARS, officialArrangement, type CalendarDay } from './official';
import { assertDate, WorkingCalendar, type CalendarException } from '../../domain/calendar';
import { recordAudit } from '../audit';

export const arrangementFileSchema = z
  .object({
    year: z.number().int().min(1990).max(2100),
    days: z
      .array(
        z
          .object({
            date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD'),
            working: z.boolean(),
            name: boundedText(100),
          })
          .strict(),
      )
      .max(366),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.days.forEach((d, i) => {
      try {
        assertDate(d.date);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['days', i, 'date'], message: 'is not a real calendar date' });
        return;
      }
      if (!d.date.startsWith(`${file.year}-`)) ctx.addIssue({ code: 'custom', path: ['days', i, 'date'], message: `is not in ${file.year}` });
      if (seen.has(d.date)) ctx.addIssue({ code: 'custom', path: ['days', i, 'date'], message: `${d.date} is listed twice` });
      seen.add(d.date);
    });
  });
export type ArrangementFile = z.infer<typeof arrangementFileSchema>;

/**
 * Replaces one year's arrangement in a transaction and audits it. Returns
 * whether anything changed (loading the same arrangement again is a no-op).
 */
export async function loadCalendarYear(
  db: Db,
  arrangement: ArrangementFile,
  ctx: { actor: string; source: string; requestId?: string },
): Promise<{ year: number; days: number; changed: boolean }> {
  const { year, days } = arrangementFileSchema.parse(arrangement);
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`coord:calendar:${year}`]);
    const existingYear = await trx('calendar_years').where({ year }).first();
    const existing = (await trx('calendar_days')
      .where({ year })
      .select(trx.raw(`to_char(day, 'YYYY-MM-DD') as date`), 'working', 'name')
      .orderBy('day')) as CalendarDay[];
    const wanted = [...days].sort((a, b) => a.date.localeCompare(b.date));
    const same = existingYear && JSON.stringify(existing) === JSON.stringify(wanted.map((d) => ({ date: d.date, working: d.working, name: d.name })));
    if (same) return { year, days: wanted.length, changed: false };

    await trx('calendar_days').where({ year }).delete();
    await trx('calendar_years')
      .insert({ year, source: ctx.source, loaded_by: ctx.actor, loaded_at: trx.fn.now() })
      .onConflict('year')
      .merge();
    if (wanted.length) await trx('calendar_days').insert(wanted.map((d) => ({ day: d.date, year, working: d.working, name: d.name })));
    await recordAudit(trx, { actor: ctx.actor, action: 'calendar.load', subject: `calendar:${year}`, payload: { source: ctx.source, days: wanted.length, replaced: Boolean(existingYear) }, requestId: ctx.requestId });
    return { year, days: wanted.length, changed: true };
  });
}

/** Loads the official arrangements the `chinese-days` package holds (2004-2026) for years not loaded yet. */
export async function seedOfficialCalendar(db: Db, actor = 'system:seed'): Promise<number[]> {
  const loaded = new Set(((await db('calendar_years').select('year')) as { year: number }[]).map((r) => r.year));
  const seeded: number[] = [];
  for (let year = OFFICIAL_YEARS.first; year <= OFFICIAL_YEARS.last; year++) {
    if (loaded.has(year)) continue;
    await loadCalendarYear(db, { year, days: officialArrangement(year) }, { actor, source: 'chinese-days' });
    seeded.push(year);
  }
  return seeded;
}

export async function readCalendar(db: Db): Promise<WorkingCalendar> {
  const years = ((await db('calendar_years').select('year')) as { year: number }[]).map((r) => r.year);
  const rows = (await db('calendar_days').select(db.raw(`to_char(day, 'YYYY-MM-DD') as date`), 'working', 'name')) as CalendarDay[];
  return new WorkingCalendar(new Set(years), new Map<string, CalendarException>(rows.map((r) => [r.date, { working: r.working, name: r.name }])));
}

/**
 * The calendar, read again only when an administrator has loaded a year since
 * the last read: activities ask for it on every deadline computation.
 */
export function calendarCache(db: Db): () => Promise<WorkingCalendar> {
  let cached: { stamp: string; calendar: WorkingCalendar } | undefined;
  return async () => {
    const row = (await db('calendar_years').first(db.raw(`coalesce(max(loaded_at)::text, '') || ':' || count(*) as stamp`))) as { stamp: string };
    if (!cached || cached.stamp !== row.stamp) cached = { stamp: row.stamp, calendar: await readCalendar(db) };
    return cached.calendar;
  };
}
