import { z } from 'zod';
import { isoDate } from '../../db/catalog/plan-schema';
import { storedDigest } from '../../db/digests';
import { digestPdf } from '../documents/digest-pdf';
import { attachment } from '../documents/pdf';
import { HttpError } from '../errors';
import { binary, route } from '../route';

/** A digest's key is `digest:<the week's Monday>`; the date alone names the same digest. */
const digestKey = z
  .string()
  .regex(/^(digest:)?\d{4}-\d{2}-\d{2}$/, 'must be a digest key, digest:YYYY-MM-DD (the week\'s Monday), or the date alone')
  .transform((key) => key.replace(/^digest:/, ''))
  .pipe(isoDate)
  .transform((monday) => `digest:${monday}`);

export const digestPdfRoutes = [
  route({
    method: 'get',
    path: '/digests/:key.pdf',
    operationId: 'downloadDigest',
    response: binary('application/pdf'),
    errors: { 404: 'No digest with this key', 503: 'The CJK font for PDF documents is missing (PDF_FONT)' },
    tag: 'board',
    summary: 'Download a stored weekly digest as a printable PDF',
    access: ['secretariat', 'leadership'],
    params: z.object({ key: digestKey }).strict(),
    handler: async ({ deps, res, params }) => {
      const digest = await storedDigest(deps.db, params.key);
      if (!digest) throw new HttpError(404, 'not_found', `no digest ${params.key}`);
      const bytes = await digestPdf(digest);
      deps.log.debug({ key: digest.key, bytes: bytes.length }, 'digest rendered');
      res.setHeader('content-type', 'application/pdf');
      res.setHeader('content-disposition', attachment(`digest-${digest.weekOf}.pdf`, `周报-${digest.weekOf}.pdf`));
      res.setHeader('cache-control', 'private, no-cache');
      res.status(200).end(bytes);
      return undefined;
    },
  }),
];
