import { z } from 'zod';
import { code, MAX_DATE_YEAR, MIN_DATE_YEAR } from '../../db/catalog/plan-schema';
import { listSupervisionNotices, supervisionNoticeById, type SupervisionNotice } from '../../db/supervision-notices';
import { NOTICE_SUBJECTS, noticePdfLink } from '../../domain/supervision-notice';
import type { Principal } from '../auth/tokens';
import { attachment } from '../documents/pdf';
import { supervisionNoticePdf } from '../documents/supervision-notice-pdf';
import { HttpError } from '../errors';
import { binary, route } from '../route';
import { day, instant, rung } from '../schemas';

const int = z.number().int();

const supervisionNotice = z.object({
  id: int,
  /** 文号, e.g. 鲁互联网+办督〔2016〕3号. */
  docNumber: z.string(),
  plan: z.string(),
  year: int,
  seq: int,
  itemKey: z.string(),
  item: z.string(),
  title: z.string(),
  /** The department it is addressed to (the lead when the rung fired), by code and by name. */
  department: z.string(),
  departmentName: z.string(),
  rung,
  level: int,
  subject: z.enum(NOTICE_SUBJECTS),
  periodSeq: int,
  businessDate: day,
  dueOn: day,
  overdueWorkingDays: int,
  respondWithinWorkingDays: int,
  issuer: z.string(),
  createdAt: instant,
  /** Where its PDF is downloaded. */
  pdf: z.string(),
});

function answerOf(n: SupervisionNotice): z.output<typeof supervisionNotice> {
  return {
    id: n.id,
    docNumber: n.docNumber,
    plan: n.plan,
    year: n.year,
    seq: n.seq,
    itemKey: n.itemKey,
    item: n.itemCode,
    title: n.itemTitle,
    department: n.department,
    departmentName: n.departmentName,
    rung: n.rung,
    level: n.level,
    subject: n.subject,
    periodSeq: n.periodSeq,
    businessDate: n.businessDate,
    dueOn: n.dueOn,
    overdueWorkingDays: n.overdueWorkingDays,
    respondWithinWorkingDays: n.respondWithinWorkingDays,
    issuer: n.issuer,
    createdAt: n.createdAt.toISOString(),
    pdf: noticePdfLink(n.id),
  };
}

/** A department user reads the notices addressed to it; the secretariat and the leading group read all. */
function departmentScope(principal: Principal): string | undefined {
  if (principal.role !== 'department') return undefined;
  if (!principal.department) throw new HttpError(403, 'forbidden', 'a department user without a department reads no notices');
  return principal.department;
}

export const supervisionNoticeRoutes = [
  route({
    method: 'get',
    path: '/supervision-notices',
    operationId: 'listSupervisionNotices',
    response: z.object({ notices: z.array(supervisionNotice) }),
    tag: 'notices',
    summary: 'List the supervision notices (督办单), newest number first: a department sees those addressed to it',
    access: ['secretariat', 'leadership', 'department'],
    query: z
      .object({
        plan: code.optional(),
        year: z.coerce.number().int().min(MIN_DATE_YEAR).max(MAX_DATE_YEAR).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    handler: async ({ deps, principal, query }) => ({
      notices: (await listSupervisionNotices(deps.db, { ...query, department: departmentScope(principal) })).map(answerOf),
    }),
  }),
  route({
    method: 'get',
    path: '/supervision-notices/:id.pdf',
    operationId: 'downloadSupervisionNotice',
    response: binary('application/pdf'),
    errors: { 404: 'No such notice (or one addressed to another department)', 503: 'The CJK font for PDF documents is missing (PDF_FONT)' },
    tag: 'notices',
    summary: 'Download a supervision notice (督办单) as a printable PDF',
    access: ['secretariat', 'leadership', 'department'],
    params: z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict(),
    authorize: async ({ deps, principal, params }) => {
      const notice = await supervisionNoticeById(deps.db, params.id);
      const scope = departmentScope(principal);
      // Another department's notice is 404, like a missing one: ids do not tell what exists (api/services/item-access.ts).
      if (!notice || (scope !== undefined && notice.department !== scope)) throw new HttpError(404, 'not_found', `no supervision notice ${params.id}`);
      return notice;
    },
    handler: async ({ deps, res, resource: notice }) => {
      const bytes = await supervisionNoticePdf(notice);
      deps.log.debug({ noticeId: notice.id, docNumber: notice.docNumber, bytes: bytes.length }, 'supervision notice rendered');
      res.setHeader('content-type', 'application/pdf');
      res.setHeader('content-disposition', attachment(`supervision-notice-${notice.year}-${notice.seq}.pdf`, `督办单-${notice.docNumber}.pdf`));
      res.setHeader('cache-control', 'private, no-cache');
      res.status(200).end(bytes);
      return undefined;
    },
  }),
];
