import type { Knex } from 'knex';
import type { Db } from './connection';
import { docNumber, noticePrefix, noticeYear, respondWithinWorkingDays, type NoticeSubject } from '../domain/supervision-notice';
import type { ItemPolicy, RungKey } from '../workflows/definitions';

/**
 * The 督办单 records (migration 012): issued once per rung in the
 * transaction that records the rung, numbered from a counter row per plan and
 * year, read by the API and printed as PDF.
 */

/** A 督办单 as issued: its number and the facts it was issued with. */
export interface SupervisionNotice {
  id: number;
  docNumber: string;
  plan: string;
  year: number;
  seq: number;
  escalationKey: string;
  itemKey: string;
  itemCode: string;
  itemTitle: string;
  /** The department it is addressed to (the lead when the rung fired), by code and as printed. */
  department: string;
  departmentName: string;
  rung: RungKey;
  level: number;
  subject: NoticeSubject;
  periodSeq: number;
  businessDate: string;
  dueOn: string;
  overdueWorkingDays: number;
  respondWithinWorkingDays: number;
  planTitle: string;
  issuer: string;
  createdAt: Date;
}

/** A rung that issues a notice, as the activity recording it knows it. */
export interface NoticeRequest {
  escalationKey: string;
  itemKey: string;
  /** The lead department's code: the notice's addressee. */
  lead: string;
  subject: NoticeSubject;
  periodSeq: number;
  rung: RungKey;
  level: number;
  businessDate: string;
  dueOn: string;
  overdueWorkingDays: number;
}

function noticeColumns(db: Knex) {
  return [
    db.raw('n.id::int as id'),
    'n.doc_number as docNumber',
    'p.code as plan',
    'n.year',
    'n.seq',
    'n.escalation_key as escalationKey',
    'a.workflow_id as itemKey',
    'n.item_code as itemCode',
    'n.item_title as itemTitle',
    'd.code as department',
    'n.department_name as departmentName',
    'n.rung',
    'n.level',
    'n.subject',
    'n.period_seq as periodSeq',
    'n.business_date as businessDate',
    'n.due_on as dueOn',
    'n.overdue_working_days as overdueWorkingDays',
    'n.respond_within_working_days as respondWithinWorkingDays',
    'n.plan_title as planTitle',
    'n.issuer',
    'n.created_at as createdAt',
  ];
}

function noticesJoined(db: Knex) {
  return db('supervision_notices as n')
    .join('plans as p', 'p.id', 'n.plan_id')
    .join('assignments as a', 'a.id', 'n.assignment_id')
    .join('departments as d', 'd.id', 'n.department_id');
}

/**
 * The next number of the prefix's year. The counter row is locked by the
 * upsert until the transaction ends: concurrent rungs take their turns, and a
 * transaction that rolls back gives its number back, so numbers neither
 * repeat nor skip.
 */
export async function allocateNoticeSeq(trx: Knex.Transaction, prefix: string, year: number): Promise<number> {
  const [row] = (await trx('supervision_notice_counters')
    .insert({ prefix, year, last_seq: 1 })
    .onConflict(['prefix', 'year'])
    .merge({ last_seq: trx.raw('supervision_notice_counters.last_seq + 1') })
    .returning('last_seq')) as { last_seq: number }[];
  return row!.last_seq;
}

export async function noticeByEscalationKey(db: Knex, escalationKey: string): Promise<SupervisionNotice | undefined> {
  return (await noticesJoined(db).where('n.escalation_key', escalationKey).first(noticeColumns(db))) as SupervisionNotice | undefined;
}

export async function supervisionNoticeById(db: Db, id: number): Promise<SupervisionNotice | undefined> {
  return (await noticesJoined(db).where('n.id', id).first(noticeColumns(db))) as SupervisionNotice | undefined;
}

/** What a notice prints of its item, plan and addressee, read in the issuing transaction. */
interface NoticeFacts {
  assignment_id: number;
  policy: ItemPolicy;
  item_code: string;
  item_title: string;
  plan_id: number;
  plan_title: string;
  issuer: string;
  notice_prefix: string | null;
  department_id: number;
  department_name: string;
}

async function noticeFacts(trx: Knex.Transaction, req: NoticeRequest): Promise<NoticeFacts> {
  const item = (await trx('assignments as a')
    .join('items as i', 'i.id', 'a.item_id')
    .join('plans as p', 'p.id', 'i.plan_id')
    .where('a.workflow_id', req.itemKey)
    .first(
      'a.id as assignment_id',
      'a.policy',
      'i.code as item_code',
      'i.title as item_title',
      'p.id as plan_id',
      'p.title as plan_title',
      'p.coordinating_office as issuer',
      'p.notice_prefix',
    )) as Omit<NoticeFacts, 'department_id' | 'department_name'> | undefined;
  // Official documents name the addressee by its full name.
  const dept = (await trx('departments').where({ code: req.lead }).first('id', 'name')) as { id: number; name: string } | undefined;
  if (!item || !dept) throw new Error(`no assignment ${req.itemKey} with lead department ${req.lead} to issue a notice for`);
  return { ...item, department_id: dept.id, department_name: dept.name };
}

/**
 * The rung's 督办单, issued once: a second call with the same escalation key
 * (a retried activity) finds the first one and allocates nothing. Call it in
 * the transaction that inserts the rung's escalation row: that insert makes a
 * concurrent attempt with the same key wait for this one to commit.
 */
export async function issueSupervisionNotice(trx: Knex.Transaction, req: NoticeRequest): Promise<SupervisionNotice> {
  const existing = await noticeByEscalationKey(trx, req.escalationKey);
  if (existing) return existing;
  const facts = await noticeFacts(trx, req);
  const year = noticeYear(req.businessDate);
  const prefix = noticePrefix(facts.notice_prefix);
  const seq = await allocateNoticeSeq(trx, prefix, year);
  await trx('supervision_notices').insert({
    plan_id: facts.plan_id,
    year,
    seq,
    doc_number: docNumber(prefix, year, seq),
    escalation_key: req.escalationKey,
    assignment_id: facts.assignment_id,
    department_id: facts.department_id,
    rung: req.rung,
    level: req.level,
    subject: req.subject,
    period_seq: req.periodSeq,
    business_date: req.businessDate,
    due_on: req.dueOn,
    overdue_working_days: req.overdueWorkingDays,
    respond_within_working_days: respondWithinWorkingDays(facts.policy.escalation ?? [], req.rung),
    item_code: facts.item_code,
    item_title: facts.item_title,
    department_name: facts.department_name,
    plan_title: facts.plan_title,
    issuer: facts.issuer,
  });
  return (await noticeByEscalationKey(trx, req.escalationKey)) as SupervisionNotice;
}

export interface NoticeFilter {
  /** A department user's own department: only the notices addressed to it. */
  department?: string;
  plan?: string;
  year?: number;
  limit: number;
}

/** Newest first: by year, then by number. */
export async function listSupervisionNotices(db: Db, filter: NoticeFilter): Promise<SupervisionNotice[]> {
  const q = noticesJoined(db);
  if (filter.department !== undefined) q.where('d.code', filter.department);
  if (filter.plan !== undefined) q.where('p.code', filter.plan);
  if (filter.year !== undefined) q.where('n.year', filter.year);
  return (await q
    .orderBy([{ column: 'n.year', order: 'desc' }, { column: 'n.seq', order: 'desc' }, { column: 'n.id', order: 'desc' }])
    .limit(filter.limit)
    .select(noticeColumns(db))) as SupervisionNotice[];
}
