import type { Db } from '../db/connection';
import { onTimeCountsBy } from '../db/on-time';
import { boardFigures, NO_PERIODS, type BoardFigures } from '../domain/on-time';
import type { WorkingCalendar } from '../domain/calendar';
import type { Logger } from '../platform/logger';
import { shanghaiDate } from '../domain/clock';
import { colourOf, type ColourInput } from '../domain/colour';
import { colourColumns } from '../db/colour';
import { RUNG_LABELS } from '../workflows/definitions';
import { STATUS_WORDS, SUBJECT_WORDS, wordFor } from '../domain/words';
import { chineseDate, type NotificationActivities } from './notifications';

interface OpenItem extends ColourInput {
  workflow_id: string;
  title: string;
  action_code: string | null;
  action_title: string | null;
  lead_code: string;
  lead_name: string;
  status: string;
}

export interface Digest {
  key: string;
  weekOf: string;
  generatedAt: string;
  totals: { items: number; byStatus: Record<string, number>; red: number; yellow: number; green: number };
  byAction: { code: string; title: string; items: number; red: number; yellow: number; green: number; byStatus: Record<string, number> }[];
  /** On time: the workflow's verdicts on both clocks, counted by domain/on-time.ts. */
  byDepartment: ({ code: string; name: string; items: number; red: number; yellow: number; green: number } & BoardFigures)[];
  openEscalations: { itemKey: string; title: string; lead: string; subject: string; periodSeq: number; rung: string; level: number; businessDate: string }[];
}

/** The chases listed by name in the notice; the rest are counted (a notice body has a bound). */
const LISTED_ESCALATIONS = 20;

/**
 * The digest as the secretariat reads it in its notice: departments by their
 * names, states and rungs in words. The stored digest keeps the codes, for the
 * console to render in its own words.
 */
function digestText(digest: Digest): string {
  const { totals } = digest;
  const names = new Map(digest.byDepartment.map((d) => [d.code, d.name]));
  const states = Object.keys(STATUS_WORDS)
    .filter((s) => totals.byStatus[s])
    .map((s) => `${wordFor(STATUS_WORDS, s)}${totals.byStatus[s]}项`);
  const lines = [`交办事项${totals.items}项:红灯${totals.red}、黄灯${totals.yellow}、绿灯${totals.green}。`];
  if (states.length) lines.push(`按状态:${states.join('、')}。`);
  const open = digest.openEscalations;
  lines.push(`未解除的催督办${open.length}项${open.length ? ':' : '。'}`);
  open.slice(0, LISTED_ESCALATIONS).forEach((e, i) => {
    const what = e.subject === 'report' ? `第${e.periodSeq}期${wordFor(SUBJECT_WORDS, e.subject)}` : wordFor(SUBJECT_WORDS, e.subject);
    lines.push(`${i + 1}. ${e.title}(${names.get(e.lead) ?? '—'}):${what},${wordFor(RUNG_LABELS, e.rung)},${chineseDate(e.businessDate)}起`);
  });
  if (open.length > LISTED_ESCALATIONS) lines.push(`另有${open.length - LISTED_ESCALATIONS}项,详见周报。`);
  return lines.join('\n');
}

function mondayOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10);
}

export function createDigestActivities(deps: {
  db: Db;
  log: Logger;
  calendar: () => Promise<WorkingCalendar>;
  notifications: NotificationActivities;
  workingDayMs?: number;
}) {
  const { db } = deps;
  return {
    /** The leading group's weekly digest: stored as a row, sent to the secretariat as a notification. */
    async buildWeeklyDigest(): Promise<Digest> {
      const now = Date.now();
      const today = shanghaiDate(now);
      const weekOf = mondayOf(today);
      const cal = await deps.calendar();
      const items = (await db('assignments as a')
        .join('items as i', 'i.id', 'a.item_id')
        .leftJoin('actions as act', 'act.id', 'i.action_id')
        .join('departments as d', 'd.id', 'a.lead_department_id')
        .select(
          'a.workflow_id',
          'i.title',
          'act.code as action_code',
          'act.title as action_title',
          'd.code as lead_code',
          // Every department has a name; not every one a short name.
          db.raw('coalesce(d.short_name, d.name) as lead_name'),
          'a.status',
          'a.escalation_level',
          db.raw(`to_char(a.next_due_on, 'YYYY-MM-DD') as next_due_on`),
          'a.next_due_at',
          ...colourColumns(db),
        )) as OpenItem[];

      const totals: Digest['totals'] = { items: items.length, byStatus: {}, red: 0, yellow: 0, green: 0 };
      const actions = new Map<string, Digest['byAction'][number]>();
      const departments = new Map<string, Digest['byDepartment'][number]>();
      for (const item of items) {
        totals.byStatus[item.status] = (totals.byStatus[item.status] ?? 0) + 1;
        const open = !['completed', 'cancelled'].includes(item.status);
        const colour = open ? colourOf(item, cal, now, deps.workingDayMs) : undefined;
        if (colour) totals[colour] += 1;
        const actionKey = item.action_code ?? 'safeguards';
        const action = actions.get(actionKey) ?? { code: actionKey, title: item.action_title ?? '保障措施', items: 0, red: 0, yellow: 0, green: 0, byStatus: {} };
        action.items += 1;
        action.byStatus[item.status] = (action.byStatus[item.status] ?? 0) + 1;
        if (colour) action[colour] += 1;
        actions.set(actionKey, action);
        const dept = departments.get(item.lead_code) ?? { code: item.lead_code, name: item.lead_name, items: 0, red: 0, yellow: 0, green: 0, ...boardFigures(NO_PERIODS) };
        dept.items += 1;
        if (colour) dept[colour] += 1;
        departments.set(item.lead_code, dept);
      }
      const onTime = await onTimeCountsBy(db, 'lead');
      for (const [code, dept] of departments) Object.assign(dept, boardFigures(onTime.get(code) ?? NO_PERIODS));
      const escalations = (await db('escalations as e')
        .join('assignments as a', 'a.id', 'e.assignment_id')
        .join('items as i', 'i.id', 'a.item_id')
        .join('departments as d', 'd.id', 'a.lead_department_id')
        .whereNull('e.resolved_at')
        .orderBy([{ column: 'e.level', order: 'desc' }, 'e.fired_at'])
        .select('a.workflow_id', 'i.title', 'd.code as lead', 'e.subject', 'e.period_seq', 'e.rung', 'e.level', db.raw(`to_char(e.business_date, 'YYYY-MM-DD') as business_date`))) as {
        workflow_id: string;
        title: string;
        lead: string;
        subject: string;
        period_seq: number;
        rung: string;
        level: number;
        business_date: string;
      }[];

      const digest: Digest = {
        key: `digest:${weekOf}`,
        weekOf,
        generatedAt: new Date(now).toISOString(),
        totals,
        byAction: [...actions.values()].sort((a, b) => a.code.localeCompare(b.code)),
        byDepartment: [...departments.values()].sort((a, b) => a.code.localeCompare(b.code)),
        openEscalations: escalations.map((e) => ({ itemKey: e.workflow_id, title: e.title, lead: e.lead, subject: e.subject, periodSeq: e.period_seq, rung: e.rung, level: e.level, businessDate: e.business_date })),
      };
      // The week's row is refreshed by a re-run; the notice goes out once a week.
      await db('digests')
        .insert({ key: digest.key, week_of: weekOf, body: JSON.stringify(digest), generated_at: new Date(now) })
        .onConflict('key')
        .merge(['body', 'generated_at']);
      const secretariat = (await db('plans as p').join('departments as d', 'd.id', 'p.secretariat_department_id').orderBy('p.id').first('d.code')) as { code: string } | undefined;
      if (secretariat) {
        await deps.notifications.notify({
          key: digest.key,
          departmentCode: secretariat.code,
          kind: 'digest',
          businessDate: today,
          title: `【周报】${chineseDate(weekOf)}当周推进情况`,
          body: digestText(digest),
          payload: { weekOf },
        });
      }
      deps.log.info({ weekOf, items: totals.items, openEscalations: digest.openEscalations.length }, 'weekly digest built');
      return digest;
    },
  };
}
