import type { Db } from './connection';
import { asSubquery, latestConsolidatedReport } from './reports';
import { OPEN_STATUSES } from '../domain/status';

/** The item a queued decision is about. */
interface QueuedItem {
  plan: string;
  item: string;
  title: string;
  status: string;
  lead: string;
}

/** A submitted period and its latest consolidated report, the version to review (null if none was filed). */
export interface QueuedReport extends QueuedItem {
  periodSeq: number;
  startsOn: string;
  endsOn: string;
  originalDueOn: string;
  dueOn: string;
  report: {
    version: number;
    department: string;
    progress: string;
    percentDone: number;
    problems: string | null;
    nextSteps: string | null;
    attachments: string[];
    submittedBy: string;
    submittedAt: string;
  } | null;
}

export interface QueuedExtension extends QueuedItem {
  extensionId: string;
  periodSeq: number;
  dueOn: string | null;
  requestedDueOn: string;
  reason: string;
  requestedBy: string;
  requestedAt: string;
}

export interface QueuedCompletion extends QueuedItem {
  summary: string | null;
  finalDeadline: string;
}

export interface ReviewQueue {
  reports: QueuedReport[];
  extensions: QueuedExtension[];
  completions: QueuedCompletion[];
}

const day = (column: string, as: string) => `to_char(${column}, 'YYYY-MM-DD') as "${as}"`;

/** A submitted period's row with its latest consolidated report's columns beside it (null where none was filed). */
type SubmittedRow = Omit<QueuedReport, 'report'> & {
  version: number | null;
  department: string;
  progress: string;
  percent_done: number;
  problems: string | null;
  next_steps: string | null;
  attachments: unknown;
  submitted_by: string;
  submitted_at: Date;
};

function queuedReport({ version, department, progress, percent_done, problems, next_steps, attachments, submitted_by, submitted_at, ...s }: SubmittedRow): QueuedReport {
  return {
    ...s,
    report:
      version === null
        ? null
        : {
            version,
            department,
            progress,
            percentDone: percent_done,
            problems,
            nextSteps: next_steps,
            attachments: Array.isArray(attachments) ? attachments.map(String) : [],
            submittedBy: submitted_by,
            submittedAt: new Date(submitted_at).toISOString(),
          },
  };
}

/** What the queue shows of the report to review. */
const REPORT_COLUMNS = ['r.progress', 'r.percent_done', 'r.problems', 'r.next_steps', 'r.attachments', 'r.submitted_by', 'r.submitted_at'];

/** What waits for the secretariat across one plan's open items: consolidated reports to review, extension requests, completion requests. */
export async function reviewQueue(db: Db, plan: string): Promise<ReviewQueue> {
  const base = () =>
    db('assignments as a')
      .join('items as i', 'i.id', 'a.item_id')
      .join('plans as pl', 'pl.id', 'i.plan_id')
      .join('departments as lead', 'lead.id', 'a.lead_department_id')
      .where('pl.code', plan)
      .whereIn('a.status', [...OPEN_STATUSES]);
  const item = ['pl.code as plan', 'i.code as item', 'i.title', 'a.status', 'lead.code as lead'];

  // Each submitted period with its latest consolidated report (the version to review), in one query:
  // a lateral join reads one index entry per period (reports_consolidated_latest_version, migration 011)
  // where a distinct-on over every consolidated report sorts them all.
  const latest = latestConsolidatedReport(db, { assignment: 'a.id', period: 'p.seq' }).select('r.version', 'r.department_id', ...REPORT_COLUMNS);
  const submitted = (await base()
    .join('periods as p', 'p.assignment_id', 'a.id')
    .joinRaw('left join lateral ? as r on true', [asSubquery(db, latest)])
    .where('p.status', 'submitted')
    .orderBy([{ column: 'p.due_on' }, { column: 'i.code' }])
    .select(
      ...item,
      'p.seq as periodSeq',
      db.raw(day('p.starts_on', 'startsOn')),
      db.raw(day('p.ends_on', 'endsOn')),
      db.raw(day('p.original_due_on', 'originalDueOn')),
      db.raw(day('p.due_on', 'dueOn')),
      'r.version',
      // By primary key: joined, the planner hashes all departments again for every period.
      db.raw('(select d.code from departments d where d.id = r.department_id) as department'),
      ...REPORT_COLUMNS,
    )) as SubmittedRow[];

  const extensions = (
    (await base()
      .join('extension_requests as x', 'x.assignment_id', 'a.id')
      .leftJoin('periods as p', (j) => j.on('p.assignment_id', 'a.id').andOn('p.seq', 'x.period_seq'))
      .whereNull('x.decision')
      .orderBy('x.requested_at')
      .select(...item, 'x.key as extensionId', 'x.period_seq as periodSeq', db.raw(day('p.due_on', 'dueOn')), db.raw(day('x.requested_due_on', 'requestedDueOn')), 'x.reason', 'x.requested_by as requestedBy', 'x.requested_at as requestedAt')) as (Omit<
      QueuedExtension,
      'requestedAt'
    > & { requestedAt: Date })[]
  ).map((x) => ({ ...x, requestedAt: new Date(x.requestedAt).toISOString() }));

  const completions = (await base()
    .where('a.status', 'completion_requested')
    .orderBy('a.updated_at')
    .select(...item, 'a.completion_summary as summary', db.raw(day('a.final_deadline', 'finalDeadline')))) as QueuedCompletion[];

  return { reports: submitted.map(queuedReport), extensions, completions };
}
