import { scheduleText } from '../domain/progress-schedule';
import { storedDigest } from '../db/digests';
import type { Db } from '../db/connection';
import { onTimeCountsBy } from '../db/on-time';
import { boardFigures, NO_PERIODS } from '../domain/on-time';
import { CalendarNotLoadedError, isWeekday, shiftDays, type WorkingCalendar } from '../domain/calendar';
import { currentDigestWeek, mondayOf, type IsWorkingDay } from '../domain/digest-day';
import { changeWords, comparedWith, weekOnWeek, type DepartmentWeek } from '../domain/digest-change';
import type { Logger } from '../platform/logger';
import { shanghaiDate } from '../domain/clock';
import { openEscalations as boardEscalations, tallyRows, type TallyRow } from '../db/board';
import { leadingGroupRecipients } from '../db/leading-group';
import { OPEN_STATUSES } from '../domain/status';
import { RUNG_LABELS } from '../workflows/definitions';
import { chineseDate, STATUS_WORDS, wordFor } from '../domain/words';
import { chaseSubject } from '../domain/chase-words';
import type { BehindItem, Digest, DigestDepartment } from '../domain/digest';
import type { NotificationActivities } from './notifications';

/** The chases listed by name in the notice; the rest are counted (a notice body has a bound). */
const LISTED_ESCALATIONS = 20;

/** A previous digest older than this is no "last week": the comparison is left out rather than mislead. */
const COMPARE_WITHIN_DAYS = 28;

/** 66.7%, as the console shows a rate. */
function rateText(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}

/** One department's line: its own figures, then how they moved since the previous digest (no ranking against the others). */
function departmentLine(d: DigestDepartment, since: string | undefined): string {
  const figures = [`事项${d.items}项`, `红灯${d.red}、黄灯${d.yellow}、绿灯${d.green}`];
  if (d.openEscalations) figures.push(`未解除催督办${d.openEscalations}项`);
  // typeof: a digest stored by an earlier version, sent again, may lack the rate.
  if (typeof d.onTimeRate === 'number') figures.push(`按期率${rateText(d.onTimeRate)}`);
  const moved = since === undefined ? '' : `;${since}:${d.change ? changeWords(d.change) : '新列入'}`;
  return `${d.name}:${figures.join(',')}${moved}。`;
}

/**
 * The digest as the secretariat and the leading group read it in their
 * notice: departments by their names, states and rungs in words. The stored
 * digest keeps the codes, for the console to render in its own words.
 */
function digestText(digest: Digest): string {
  const { totals } = digest;
  const names = new Map(digest.byDepartment.map((d) => [d.code, d.name]));
  const states = Object.keys(STATUS_WORDS)
    .filter((s) => totals.byStatus[s])
    .map((s) => `${wordFor(STATUS_WORDS, s)}${totals.byStatus[s]}项`);
  const lines = [`交办事项${totals.items}项:红灯${totals.red}、黄灯${totals.yellow}、绿灯${totals.green}。`];
  if (states.length) lines.push(`按状态:${states.join('、')}。`);
  if (digest.byDepartment.length) {
    const since = digest.previousWeekOf ? comparedWith(digest.weekOf, digest.previousWeekOf) : undefined;
    lines.push('各牵头单位:');
    for (const d of digest.byDepartment) lines.push(departmentLine(d, since));
  }
  const open = digest.openEscalations;
  lines.push(`未解除的催督办${open.length}项${open.length ? ':' : '。'}`);
  open.slice(0, LISTED_ESCALATIONS).forEach((e, i) => {
    lines.push(`${i + 1}. ${e.title}(${names.get(e.lead) ?? '—'}):${chaseSubject(e)},${wordFor(RUNG_LABELS, e.rung)},${chineseDate(e.businessDate)}起`);
  });
  if (open.length > LISTED_ESCALATIONS) lines.push(`另有${open.length - LISTED_ESCALATIONS}项,详见周报。`);
  const behind = digest.behindSchedule ?? [];
  if (behind.length) {
    lines.push(`序时进度滞后${behind.length}项:`);
    behind.slice(0, LISTED_ESCALATIONS).forEach((b, i) => {
      lines.push(`${i + 1}. ${b.title}(${names.get(b.lead) ?? '—'}):截至${chineseDate(b.asOf)},${scheduleText({ ...b, behind: true })}`);
    });
    if (behind.length > LISTED_ESCALATIONS) lines.push(`另有${behind.length - LISTED_ESCALATIONS}项,详见周报。`);
  }
  return lines.join('\n');
}

/**
 * The calendar's answer; for a year not loaded yet, Monday to Friday. Deadlines
 * refuse to guess, but a digest a day off beats a Schedule whose every run
 * retries until an administrator loads the year.
 */
function workingDayTest(cal: WorkingCalendar, log: Logger): IsWorkingDay {
  const warned = new Set<number>();
  return (date) => {
    try {
      return cal.isWorkingDay(date);
    } catch (err) {
      if (!(err instanceof CalendarNotLoadedError)) throw err;
      if (!warned.has(err.year)) log.warn({ year: err.year }, 'calendar year not loaded: the digest day counts Monday to Friday as working days');
      warned.add(err.year);
      return isWeekday(date);
    }
  };
}

/**
 * The plan the digest follows: its secretariat and its digest weekday. One
 * digest covers every item, so it follows the first plan (the default one).
 */
async function digestPlan(db: Db): Promise<{ secretariat: string; weekday: number } | undefined> {
  const row = (await db('plans as p')
    .join('departments as d', 'd.id', 'p.secretariat_department_id')
    .orderBy('p.id')
    .first('d.code', db.raw(`p.policy #>> '{digest,weekday}' as weekday`))) as { code: string; weekday: string | null } | undefined;
  // The stored policy has its defaults filled in on import; a policy stored before the digest had a weekday gets Monday.
  return row && { secretariat: row.code, weekday: Number(row.weekday ?? 1) };
}

/** A stored body in the current shape; one from an earlier version may lack its parts. */
function asDigest(body: unknown): Digest | undefined {
  const d = body as Partial<Digest> | null | undefined;
  const usable = !!d && typeof d.key === 'string' && typeof d.weekOf === 'string' && !!d.totals && Array.isArray(d.byAction) && Array.isArray(d.byDepartment) && Array.isArray(d.openEscalations);
  return usable ? (d as Digest) : undefined;
}

/** The week's stored digest, if it is whole in the current shape. */
async function storedWholeDigest(db: Db, key: string): Promise<Digest | undefined> {
  return asDigest(await storedDigest(db, key));
}

/** The latest digest before the week, if recent enough to compare with. */
async function previousDigest(db: Db, weekOf: string): Promise<Digest | undefined> {
  const row = (await db('digests')
    .where('week_of', '<', weekOf)
    .andWhere('week_of', '>=', shiftDays(weekOf, -COMPARE_WITHIN_DAYS))
    .orderBy('week_of', 'desc')
    .first('body')) as { body: unknown } | undefined;
  return asDigest(row?.body);
}

/** A number from a stored body, which an earlier version may have left out. */
function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

/** A department's figures as a previous digest has them; chases counted from its list where it kept no count. */
function figuresIn(previous: Digest, code: string): DepartmentWeek | undefined {
  const d = previous.byDepartment.find((x) => x.code === code);
  if (!d) return undefined;
  const open = d.openEscalations ?? previous.openEscalations.filter((e) => e.lead === code).length;
  return { items: num(d.items), red: num(d.red), yellow: num(d.yellow), green: num(d.green), openEscalations: num(open), onTimeRate: typeof d.onTimeRate === 'number' ? d.onTimeRate : null };
}

/** Each department beside its own figures in the previous digest. */
function compareWith(departments: DigestDepartment[], previous: Digest | undefined): void {
  if (!previous) return;
  for (const d of departments) {
    const lastWeek = figuresIn(previous, d.code);
    if (!lastWeek) continue;
    const now: DepartmentWeek = { items: d.items, red: d.red, yellow: d.yellow, green: d.green, openEscalations: d.openEscalations ?? 0, onTimeRate: d.onTimeRate };
    Object.assign(d, { lastWeek, change: weekOnWeek(now, lastWeek) });
  }
}

/** The open items that are 滞后 now, most behind first. */
async function readBehindSchedule(db: Db): Promise<BehindItem[]> {
  const rows = (await db('assignments as a')
    .join('items as i', 'i.id', 'a.item_id')
    .join('departments as d', 'd.id', 'a.lead_department_id')
    .where('a.behind_schedule', true)
    .whereIn('a.status', [...OPEN_STATUSES])
    .orderByRaw('a.schedule_planned_percent - a.schedule_reported_percent desc, a.workflow_id')
    .select('a.workflow_id', 'i.title', 'd.code as lead', 'a.schedule_planned_percent as planned', 'a.schedule_reported_percent as reported', db.raw(`to_char(a.schedule_as_of, 'YYYY-MM-DD') as as_of`))) as {
    workflow_id: string;
    title: string;
    lead: string;
    planned: number;
    reported: number;
    as_of: string;
  }[];
  return rows.map((r) => ({ itemKey: r.workflow_id, title: r.title, lead: r.lead, planned: r.planned, reported: r.reported, asOf: r.as_of }));
}

/** The board's list of unresolved chases, as the digest keeps them. */
async function readOpenEscalations(db: Db): Promise<Digest['openEscalations']> {
  return (await boardEscalations(db)).map((e) => ({ itemKey: e.itemKey, title: e.title, lead: e.lead, subject: e.subject, periodSeq: e.periodSeq, rung: e.rung, level: e.level, businessDate: e.businessDate }));
}

type Counts = { items: number; red: number; yellow: number; green: number };

/** A tally row's items and colours added to a line's. */
function addItems(to: Counts, r: TallyRow): void {
  to.items += r.items;
  to.red += r.red;
  to.yellow += r.yellow;
  to.green += r.green;
}

/**
 * The digest's counts, folded from the board's roll-up (db/board.ts): totals
 * and actions over the provincial items assigned, every safeguard measure's
 * under one line; each lead department over the items it leads, a city over
 * its shares (分解下达) too. Unassigned items are the board's, not the digest's.
 */
function rollUp(rows: TallyRow[]) {
  const totals: Digest['totals'] = { items: 0, byStatus: {}, red: 0, yellow: 0, green: 0 };
  const actions = new Map<string, Digest['byAction'][number]>();
  const departments = new Map<string, DigestDepartment>();
  for (const r of rows) {
    // No code: a share's group (it counts for its city only) or an unassigned item's lead.
    if (r.code === null || r.status === 'unassigned') continue;
    if (!r.by_action) {
      const dept = departments.get(r.code) ?? { code: r.code, name: r.title ?? r.code, items: 0, red: 0, yellow: 0, green: 0, ...boardFigures(NO_PERIODS) };
      addItems(dept, r);
      departments.set(r.code, dept);
      continue;
    }
    addItems(totals, r);
    totals.byStatus[r.status] = (totals.byStatus[r.status] ?? 0) + r.items;
    const [key, title] = r.group_kind === 'task' ? [r.code, r.title ?? r.code] : ['safeguards', '保障措施'];
    const action = actions.get(key) ?? { code: key, title, items: 0, red: 0, yellow: 0, green: 0, byStatus: {} };
    addItems(action, r);
    action.byStatus[r.status] = (action.byStatus[r.status] ?? 0) + r.items;
    actions.set(key, action);
  }
  return {
    totals,
    byAction: [...actions.values()].sort((a, b) => a.code.localeCompare(b.code)),
    byDepartment: [...departments.values()].sort((a, b) => a.code.localeCompare(b.code)),
  };
}

/**
 * Writes the week's digest unless it is there already, and answers the one
 * stored: two runs at once both send what the table holds. A body in an
 * earlier version's format is replaced.
 */
async function storeOnce(db: Db, digest: Digest): Promise<Digest> {
  const row = { key: digest.key, week_of: digest.weekOf, body: JSON.stringify(digest), generated_at: new Date(digest.generatedAt) };
  await db('digests').insert(row).onConflict('key').ignore();
  const stored = await storedWholeDigest(db, digest.key);
  if (stored) return stored;
  await db('digests').where({ key: digest.key }).update({ body: row.body, generated_at: row.generated_at });
  return digest;
}

export function createDigestActivities(deps: {
  db: Db;
  log: Logger;
  calendar: () => Promise<WorkingCalendar>;
  notifications: NotificationActivities;
  workingDayMs?: number;
  /** The clock (tests); Date.now by default. */
  now?: () => number;
}) {
  const { db } = deps;

  /** The week's digest as of now: counts, colours, on-time rates, open chases, each department beside its previous digest. */
  async function buildDigest(key: string, weekOf: string, now: number, cal: WorkingCalendar): Promise<Digest> {
    // Every assignment counts, that of an item retired from its plan too: its workflow runs on.
    const rows = await tallyRows(db, { workingDayMs: deps.workingDayMs, clock: { now, calendar: cal }, scope: 'with-retired' });
    const { totals, byAction, byDepartment } = rollUp(rows);
    const onTime = await onTimeCountsBy(db, 'lead');
    const openEscalations = await readOpenEscalations(db);
    for (const dept of byDepartment) {
      Object.assign(dept, boardFigures(onTime.get(dept.code) ?? NO_PERIODS));
      dept.openEscalations = openEscalations.filter((e) => e.lead === dept.code).length;
    }
    const previous = await previousDigest(db, weekOf);
    compareWith(byDepartment, previous);
    const behindSchedule = await readBehindSchedule(db);
    return { key, weekOf, generatedAt: new Date(now).toISOString(), totals, byAction, byDepartment, openEscalations, behindSchedule, ...(previous ? { previousWeekOf: previous.weekOf } : {}) };
  }

  /**
   * To the secretariat and to the leading group, each once per week: the key
   * is the dedupe, so a retry, a re-run or the next day's run sends nothing
   * twice. The secretariat's key is the one earlier versions used.
   */
  async function sendNotices(digest: Digest, today: string, secretariat: string | undefined): Promise<number> {
    const leadingGroup = await leadingGroupRecipients(db);
    if (!leadingGroup.length) deps.log.warn({ weekOf: digest.weekOf }, 'the directory has no leading-group entry (its code is taken): the digest reaches the secretariat only');
    const notice = { kind: 'digest' as const, businessDate: today, title: `【周报】${chineseDate(digest.weekOf)}当周推进情况`, body: digestText(digest), payload: { weekOf: digest.weekOf } };
    const sent: { created: boolean }[] = [];
    if (secretariat) sent.push(await deps.notifications.notify({ key: digest.key, departmentCode: secretariat, ...notice }));
    for (const code of leadingGroup) sent.push(await deps.notifications.notify({ key: `${digest.key}:${code}`, departmentCode: code, ...notice }));
    return sent.filter((s) => s.created).length;
  }

  return {
    /**
     * The leading group's weekly digest. The Schedule runs this every day: it
     * builds the digest whose day has come (the plan's weekday, or the next
     * working day after it; domain/digest-day.ts) once, stores it as a row and
     * sends it to the secretariat and the leading group. On the other days it
     * answers the stored digest and sends nothing new; a digest whose day
     * passed while the worker was down goes out at the next run.
     */
    async buildWeeklyDigest(): Promise<Digest> {
      const now = (deps.now ?? Date.now)();
      const today = shanghaiDate(now);
      const plan = await digestPlan(db);
      const cal = await deps.calendar();
      const week = currentDigestWeek(today, plan?.weekday ?? 1, workingDayTest(cal, deps.log));
      const weekOf = week?.weekOf ?? mondayOf(today);
      const key = `digest:${weekOf}`;
      const stored = await storedWholeDigest(db, key);
      const digest = stored ?? (await storeOnce(db, await buildDigest(key, weekOf, now, cal)));
      const sent = await sendNotices(digest, today, plan?.secretariat);
      // Every day's run logs; only a run that built or sent something is news.
      deps.log[stored && !sent ? 'debug' : 'info'](
        { weekOf, digestDay: week?.day, built: !stored, noticesSent: sent, items: digest.totals.items, openEscalations: digest.openEscalations.length },
        stored ? 'weekly digest already built' : 'weekly digest built',
      );
      return digest;
    },
  };
}
