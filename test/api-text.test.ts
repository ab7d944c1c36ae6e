import type { Express } from 'express';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import { apiDeps } from './helpers/api-deps';
import { apiRoutes } from '../api/routes';
import type { RouteSpec } from '../api/route';
import { assignItem } from '../api/services/assignments';
import type { Db } from '../db/connection';
import { TEXT_LIMITS } from '../domain/text';
import * as d from '../workflows/definitions';
import { PASSWORD, signInAll, type Who } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { temporalHarness, type TemporalHarness } from './helpers/temporal';
import { eventually, sleep } from './helpers/wait';

const PLAN = 'sd-internet-plus-2016-2018';
const ITEM = `${API_BASE}/plans/${PLAN}/items/A01-1`;
const TABLES = ['audit_events', 'assignments', 'reports', 'users', 'sessions', 'calendar_days', 'extension_requests', 'instructions', 'idempotency_keys', 'notifications', 'department_channels', 'escalations'];

/** One free-text field of one write route: a body that is valid but for the text put into that field. */
interface FieldCase {
  who: Who;
  method: 'post' | 'put';
  path: string;
  field: string;
  body(value: string): object;
  /** A format rule (an e-mail address, a code, an id) refuses the value before the text rule does. */
  format?: true;
}

/** An instruction id of the right form; the text rule refuses the body before the workflow is asked about it. */
const INSTRUCTION = '00000000-0000-4000-8000-000000000000';

const rung = (label: string) => [{ rung: 'cuiban', label, overdueWorkingDays: 1 }];

const FIELDS: FieldCase[] = [
  { who: 'secretariat', method: 'post', path: `${API_BASE}/plans/${PLAN}/items/A01-2/assign`, field: 'escalation[0].label', body: (v) => ({ lead: 'eic', escalation: rung(v) }) },
  { who: 'secretariat', method: 'post', path: `${API_BASE}/plans/${PLAN}/assignments`, field: 'items[0].escalation[0].label', body: (v) => ({ items: [{ itemCode: 'A01-2', lead: 'eic', escalation: rung(v) }] }) },
  { who: 'lead-dept', method: 'post', path: `${ITEM}/reports`, field: 'progress', body: (v) => ({ periodSeq: 1, progress: v, percentDone: 10 }) },
  { who: 'lead-dept', method: 'post', path: `${ITEM}/reports`, field: 'problems', body: (v) => ({ periodSeq: 1, progress: '进展', percentDone: 10, problems: v }) },
  { who: 'lead-dept', method: 'post', path: `${ITEM}/reports`, field: 'nextSteps', body: (v) => ({ periodSeq: 1, progress: '进展', percentDone: 10, nextSteps: v }) },
  { who: 'lead-dept', method: 'post', path: `${ITEM}/reports`, field: 'attachments[0]', body: (v) => ({ periodSeq: 1, progress: '进展', percentDone: 10, attachments: [`https://files.example/${v}.pdf`] }) },
  { who: 'secretariat', method: 'post', path: `${ITEM}/review`, field: 'comment', body: (v) => ({ decision: 'accept', comment: v }) },
  { who: 'lead-dept', method: 'post', path: `${ITEM}/extension-requests`, field: 'reason', body: (v) => ({ requestedDueOn: '2016-05-03', reason: v }) },
  { who: 'secretariat', method: 'post', path: `${ITEM}/extension-decision`, field: 'extensionId', body: (v) => ({ extensionId: `extension:${v}`, approve: false }), format: true },
  { who: 'secretariat', method: 'post', path: `${ITEM}/extension-decision`, field: 'comment', body: (v) => ({ extensionId: 'extension:x', approve: false, comment: v }) },
  { who: 'secretariat', method: 'post', path: `${ITEM}/reassign`, field: 'reason', body: (v) => ({ newLead: 'agri', reason: v }) },
  { who: 'leadership', method: 'post', path: `${ITEM}/instructions`, field: 'text', body: (v) => ({ text: v }) },
  { who: 'lead-dept', method: 'post', path: `${ITEM}/instructions/${INSTRUCTION}/feedback`, field: 'text', body: (v) => ({ text: v }) },
  { who: 'lead-dept', method: 'post', path: `${ITEM}/reports`, field: 'indicators[0].name', body: (v) => ({ periodSeq: 1, progress: '进展', percentDone: 10, indicators: [{ name: `平台${v}数`, value: 1 }] }) },
  { who: 'lead-dept', method: 'post', path: `${ITEM}/completion-request`, field: 'summary', body: (v) => ({ summary: v }) },
  { who: 'secretariat', method: 'post', path: `${ITEM}/completion-decision`, field: 'comment', body: (v) => ({ approve: false, comment: v }) },
  { who: 'secretariat', method: 'post', path: `${ITEM}/cancel`, field: 'reason', body: (v) => ({ reason: v }) },
  { who: 'lead-dept', method: 'post', path: `${ITEM}/cascade`, field: 'cities[0].code', body: (v) => ({ cities: [{ code: `jinan${v}` }] }), format: true },
  { who: 'secretariat', method: 'post', path: `${ITEM}/cities/jinan/review`, field: 'comment', body: (v) => ({ decision: 'accept', comment: v }) },
  { who: 'secretariat', method: 'post', path: `${ITEM}/cities/jinan/extension-decision`, field: 'comment', body: (v) => ({ extensionId: 'extension:x', approve: false, comment: v }) },
  { who: 'secretariat', method: 'post', path: `${ITEM}/cities/jinan/completion-decision`, field: 'comment', body: (v) => ({ approve: false, comment: v }) },
  { who: 'secretariat', method: 'post', path: `${ITEM}/reopen`, field: 'reason', body: (v) => ({ reason: v }) },
  { who: 'admin', method: 'put', path: `${API_BASE}/calendar/2027`, field: 'days[0].name', body: (v) => ({ days: [{ date: '2027-01-01', working: false, name: v }] }) },
  { who: 'admin', method: 'post', path: `${API_BASE}/users`, field: 'username', body: (v) => ({ username: `new${v}user`, password: 'long enough pw', role: 'leadership' }) },
  { who: 'admin', method: 'post', path: `${API_BASE}/users`, field: 'password', body: (v) => ({ username: 'newuser', password: `long ${v} enough pw`, role: 'leadership' }) },
  { who: 'admin', method: 'post', path: `${API_BASE}/users`, field: 'displayName', body: (v) => ({ username: 'newuser', password: 'long enough pw', role: 'leadership', displayName: v }) },
  { who: 'admin', method: 'post', path: `${API_BASE}/users`, field: 'department', body: (v) => ({ username: 'newuser', password: 'long enough pw', role: 'department', department: `eic${v}` }), format: true },
  { who: 'anonymous', method: 'post', path: `${API_BASE}/auth/login`, field: 'username', body: (v) => ({ username: `sec1${v}`, password: PASSWORD }) },
  { who: 'anonymous', method: 'post', path: `${API_BASE}/auth/login`, field: 'password', body: (v) => ({ username: 'sec1', password: `${PASSWORD}${v}` }) },
  { who: 'leadership', method: 'post', path: `${API_BASE}/auth/password`, field: 'currentPassword', body: (v) => ({ currentPassword: `${PASSWORD}${v}`, newPassword: 'long enough pw' }) },
  { who: 'leadership', method: 'post', path: `${API_BASE}/auth/password`, field: 'newPassword', body: (v) => ({ currentPassword: PASSWORD, newPassword: `long ${v} enough pw` }) },
  { who: 'admin', method: 'post', path: `${API_BASE}/users/2/password`, field: 'newPassword', body: (v) => ({ newPassword: `long ${v} enough pw` }) },
  { who: 'admin', method: 'put', path: `${API_BASE}/departments/finance/channels`, field: 'webhookUrl', body: (v) => ({ webhookUrl: `https://hooks.example/${v}`, webhookSecret: 'a-secret-of-twenty-chars' }) },
  { who: 'admin', method: 'put', path: `${API_BASE}/departments/finance/channels`, field: 'webhookSecret', body: (v) => ({ webhookUrl: 'https://hooks.example/x', webhookSecret: `a-secret-of-${v}-twenty-chars` }) },
  { who: 'admin', method: 'put', path: `${API_BASE}/departments/finance/channels`, field: 'email', body: (v) => ({ email: `finance${v}@example.gov.cn` }), format: true },
  { who: 'secretariat', method: 'post', path: `${API_BASE}/assessments/2027/adjustments`, field: 'reason', body: (v) => ({ department: 'finance', points: 1, reason: v }) },
];

/** Control characters, and text no encoding keeps; each in the middle of the value, where trimming cannot remove it. */
const BAD: [string, string][] = [
  ['NUL', '\u0000'],
  ['escape', '\u001b'],
  ['carriage return', '\r'],
  ['C1 next line', '\u0085'],
  ['lone surrogate', '\ud800'],
];

describe('HTTP API: free text is refused with control characters or over its limit, on every write route', () => {
  let db: Db;
  let t: TemporalHarness;
  let app: Express;
  const tokens: Partial<Record<Who, string>> = {};

  const as = (who: Who, method: 'get' | 'post' | 'put', path: string) => {
    const r = request(app)[method](path);
    return who === 'anonymous' ? r : r.set('authorization', `Bearer ${tokens[who]}`);
  };
  const writes = async () => {
    const counts: Record<string, number> = {};
    for (const table of TABLES) counts[table] = Number(((await db(table).count({ n: '*' }).first()) as { n: string }).n);
    return counts;
  };

  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('api_text'));
    t = await temporalHarness(db, 'api-text', { workingDayMs: 60_000 });
    app = createApp({ log: silentLog, readiness: {}, api: await apiDeps(db, { client: t.client, taskQueue: t.taskQueue }) });
    Object.assign(tokens, await signInAll(app, db));
    await assignItem({ client: t.client, db, taskQueue: t.taskQueue, actor: 'sec1', workingDayMs: 60_000 }, { planCode: PLAN, itemCode: 'A01-1', lead: 'eic', cooperating: ['sti'], startDate: '2016-03-28', finalDeadline: '2016-06-30' });
    await eventually(() => db('assignments').where({ workflow_id: d.itemWorkflowId(PLAN, 'A01-1') }).first(), (a) => a !== undefined, 10_000, 'assignment row');
    expect((await as('lead-dept', 'post', `${ITEM}/acknowledge`)).status).toBe(200);
    await eventually(() => t.client.workflow.getHandle(d.itemWorkflowId(PLAN, 'A01-1')).query(d.stateQuery), (s) => s.period?.seq === 1, 10_000, 'period 1');
    // Let the workflow settle (the period's mirror write, its timer), so only our requests could grow its history.
    let length = -1;
    await eventually(
      async () => {
        const before = length;
        await sleep(300);
        length = (await t.client.workflow.getHandle(d.itemWorkflowId(PLAN, 'A01-1')).fetchHistory()).events?.length ?? 0;
        return before === length;
      },
      (settled) => settled,
      10_000,
      'a settled history',
    );
  });
  afterAll(async () => {
    await t?.client.workflow.getHandle(d.itemWorkflowId(PLAN, 'A01-1')).terminate('test over').catch(() => undefined);
    await t?.close();
    await db?.destroy();
  });

  test('the cases cover every write route that takes a body', () => {
    const withBody = apiRoutes.filter((r: RouteSpec) => r.method !== 'get' && r.body !== undefined).map((r) => `${r.method} ${r.path}`);
    const covered = new Set(FIELDS.map((f) => `${f.method} ${f.path.slice(API_BASE.length).replace(PLAN, ':plan').replace('A01-1', ':item').replace('A01-2', ':item').replace('2027', ':year').replace('finance', ':code').replace(INSTRUCTION, ':instruction').replace('/cities/jinan/', '/cities/:city/').replace(/^\/users\/\d+\//, '/users/:id/')}`));
    expect(withBody.filter((r) => !covered.has(r))).toEqual([]);
  });

  test('a control character in any free-text field is a 422 naming that field, and nothing is written', async () => {
    const wrong: string[] = [];
    const before = await writes();
    const history = (await t.client.workflow.getHandle(d.itemWorkflowId(PLAN, 'A01-1')).fetchHistory()).events?.length;
    for (const c of FIELDS) {
      for (const [name, ch] of BAD) {
        const res = await as(c.who, c.method, c.path).send(c.body(`前${ch}后`));
        const fields = ((res.body?.error?.details ?? []) as { field: string; message: string }[]).filter((x) => x.field === c.field);
        const unit = `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
        if (res.status !== 422 || fields.length === 0 || !(c.format || fields.some((x) => x.message.includes(unit)))) {
          wrong.push(`${c.method.toUpperCase()} ${c.path} ${c.field} with ${name}: ${res.status} ${JSON.stringify(res.body?.error ?? res.text)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(await writes()).toEqual(before);
    // Nothing reached the workflow either: its history did not grow.
    expect((await t.client.workflow.getHandle(d.itemWorkflowId(PLAN, 'A01-1')).fetchHistory()).events?.length).toBe(history);
    silentLog.info({ cases: FIELDS.length * BAD.length }, 'control-character cases');
  });

  test('the message says what is wrong and where', async () => {
    const res = await as('leadership', 'post', `${ITEM}/instructions`).send({ text: '请抓紧\u0000推进' });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'invalid_request',
      message: 'text: must not contain control characters (U+0000 at position 3)',
      details: [{ field: 'text', message: 'must not contain control characters (U+0000 at position 3)' }],
    });
  });

  test('over-long text: one character over the shared limit is a 422 naming the field; at the limit it is accepted', async () => {
    const before = await writes();
    const tooLong: [Who, string, object, string][] = [
      ['lead-dept', `${ITEM}/reports`, { periodSeq: 1, progress: 'x'.repeat(TEXT_LIMITS.long + 1), percentDone: 10 }, 'progress'],
      ['lead-dept', `${ITEM}/reports`, { periodSeq: 1, progress: 'x', problems: 'x'.repeat(TEXT_LIMITS.long + 1), percentDone: 10 }, 'problems'],
      ['lead-dept', `${ITEM}/reports`, { periodSeq: 1, progress: 'x', nextSteps: 'x'.repeat(TEXT_LIMITS.long + 1), percentDone: 10 }, 'nextSteps'],
      ['lead-dept', `${ITEM}/completion-request`, { summary: 'x'.repeat(TEXT_LIMITS.long + 1) }, 'summary'],
      ['secretariat', `${ITEM}/cancel`, { reason: 'x'.repeat(TEXT_LIMITS.comment + 1) }, 'reason'],
      ['leadership', `${ITEM}/instructions`, { text: 'x'.repeat(TEXT_LIMITS.comment + 1) }, 'text'],
      ['admin', `${API_BASE}/users`, { username: 'newuser', password: 'long enough pw', role: 'leadership', displayName: 'x'.repeat(TEXT_LIMITS.name + 1) }, 'displayName'],
    ];
    for (const [who, path, body, field] of tooLong) {
      const res = await as(who, 'post', path).send(body);
      expect({ path, field, status: res.status, details: res.body.error?.details }).toEqual({ path, field, status: 422, details: [{ field, message: expect.stringMatching(/^must be at most \d+ characters$/) }] });
    }
    expect(await writes()).toEqual(before);

    // Exactly at the limit, with tabs, newlines, Chinese and emoji: the API and the workflow both accept it, and it is stored as sent.
    // Lengths count UTF-16 code units, as JavaScript does on both sides: the emoji counts twice.
    const progress = `进展\n\t✅🚀${'x'.repeat(TEXT_LIMITS.long - 7)}`;
    expect(progress.length).toBe(TEXT_LIMITS.long);
    const ok = await as('lead-dept', 'post', `${ITEM}/reports`).send({ periodSeq: 1, progress, problems: 'p'.repeat(TEXT_LIMITS.long), nextSteps: 'n'.repeat(TEXT_LIMITS.long), percentDone: 10 });
    expect(ok.status).toBe(201);
    const stored = await eventually(() => db('reports').where({ kind: 'consolidated' }).first('progress', 'problems', 'next_steps'), (r) => r !== undefined, 10_000, 'report row');
    expect(stored).toEqual({ progress, problems: 'p'.repeat(TEXT_LIMITS.long), next_steps: 'n'.repeat(TEXT_LIMITS.long) });
  });
});
