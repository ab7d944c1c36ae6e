import { createDigestActivities } from '../activities/digest';
import { createNotificationActivities } from '../activities/notifications';
import { boardSummary } from '../db/board';
import { calendarCache } from '../db/calendar/store';
import type { Db } from '../db/connection';
import { insertAssignment } from './helpers/assignments';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';

/**
 * One roll-up: the weekly digest counts through the board's SQL tallies
 * (db/board.ts), so its departments, actions and totals are the board's
 * figures, less the unassigned items the digest leaves out and with every
 * safeguard measure under one line.
 */
describe('the digest and the board count items alike', () => {
  let db: Db;

  // Unlike the digest test's items, these have no next due date and a final deadline far ahead.
  async function assign(itemCode: string, lead: string, fields: Record<string, unknown> = {}): Promise<void> {
    await insertAssignment(db, itemCode, lead, { final_deadline: '2099-12-31', next_due_on: null, ...fields });
  }

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('digest_board'));
    await assign('A01-1', 'eic', { escalation_level: 1 });
    await assign('A01-2', 'eic', { behind_schedule: true, schedule_planned_percent: 50, schedule_reported_percent: 20, schedule_as_of: '2016-06-30' });
    await assign('A02-1', 'agri');
    await assign('A02-2', 'agri', { status: 'completed' });
    await assign('S1-1', 'comms');
    await assign('S1-2', 'eic', { escalation_level: 2 });
  });
  afterAll(async () => {
    await db.destroy();
  });

  test('departments, actions and totals: the board less its unassigned items, safeguard measures as one line', async () => {
    const notifications = createNotificationActivities({ db, log: silentLog, mergeWindowMs: 0 });
    const digest = await createDigestActivities({ db, log: silentLog, calendar: calendarCache(db), notifications }).buildWeeklyDigest();
    const board = await boardSummary(db);
    const assigned = (t: { items: number; byStatus: Record<string, number> }) => t.items - (t.byStatus.unassigned ?? 0);
    const colours = (t: { red: number; yellow: number; green: number }) => ({ red: t.red, yellow: t.yellow, green: t.green });

    expect(digest.byDepartment.map((d) => ({ code: d.code, items: d.items, ...colours(d) }))).toEqual(board.byDepartment.map((d) => ({ code: d.code, items: d.items, ...colours(d) })));
    expect(digest.byDepartment.find((d) => d.code === 'eic')).toMatchObject({ items: 3, red: 2, yellow: 1, green: 0 });

    const tasks = board.byAction.filter((a) => a.code.startsWith('A') && assigned(a) > 0);
    for (const a of tasks) {
      const byStatus = Object.fromEntries(Object.entries(a.byStatus).filter(([s]) => s !== 'unassigned'));
      expect(digest.byAction.find((d) => d.code === a.code)).toEqual({ code: a.code, title: a.title, items: assigned(a), byStatus, ...colours(a) });
    }
    const measures = board.byAction.filter((a) => a.code.startsWith('S'));
    expect(digest.byAction.find((d) => d.code === 'safeguards')).toMatchObject({ title: '保障措施', items: measures.reduce((n, m) => n + assigned(m), 0), red: 1, green: 1 });
    expect(digest.byAction.map((d) => d.code)).toEqual([...tasks.map((a) => a.code), 'safeguards'].sort());
    expect(digest.totals).toMatchObject({ items: 6, byStatus: { in_progress: 5, completed: 1 }, red: 2, yellow: 1, green: 2 });
  });
});
