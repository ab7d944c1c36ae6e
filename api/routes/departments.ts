import { z } from 'zod';
import { code } from '../../db/catalog/plan-schema';
import { channelsSchema, setDepartmentChannels, vetWebhookTarget, WebhookTargetRefused } from '../../notifications';
import { HttpError, invalid } from '../errors';
import { route } from '../route';
import { department, itemStatus } from '../schemas';
import { citiesWithShares } from '../services/city-shares';
import { recordAudit } from '../../db/audit';

/** How long saving waits for the webhook host's DNS answer. */
const SAVE_LOOKUP_TIMEOUT_MS = 3000;

/**
 * Refuses (422 on webhookUrl) a URL whose host is, or resolves to, a
 * loopback, private, link-local or reserved address. A host that does not
 * resolve now is saved: every send checks it again before connecting.
 */
async function checkWebhookTarget(url: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), SAVE_LOOKUP_TIMEOUT_MS);
  });
  try {
    await Promise.race([vetWebhookTarget(url, { allowPrivate }), timeout]);
  } catch (err) {
    if (err instanceof WebhookTargetRefused) {
      throw invalid([{ field: 'webhookUrl', message: 'is a loopback, private, link-local or reserved address (set WEBHOOK_ALLOW_PRIVATE=true for on-premises gateways)' }]);
    }
  } finally {
    clearTimeout(timer);
  }
}

export const departmentRoutes = [
  route({
    method: 'get',
    path: '/departments',
    operationId: 'listDepartments',
    response: z.object({ departments: z.array(department) }),
    tag: 'admin',
    summary: 'The department directory, with which external channels each has (never the secrets)',
    access: 'signed-in',
    handler: async ({ deps }) => ({
      departments: await deps.db('departments as d')
        .leftJoin('department_channels as c', 'c.department_id', 'd.id')
        .orderBy('d.code')
        .select('d.code', 'd.name', 'd.short_name as shortName', 'd.kind', deps.db.raw('(c.webhook_url is not null) as webhook'), deps.db.raw('(c.email is not null) as email')),
    }),
  }),
  route({
    method: 'get',
    path: '/cities',
    operationId: 'listCities',
    response: z.object({
      cities: z.array(
        z.object({
          code: z.string(),
          name: z.string(),
          shortName: z.string().nullable(),
          /** The city's shares of cascaded items (分解下达), with the percent its latest consolidated report gave. */
          shares: z.array(
            z.object({
              plan: z.string(),
              item: z.string(),
              title: z.string(),
              workflowId: z.string(),
              status: itemStatus,
              escalationLevel: z.number().int(),
              weight: z.number(),
              percentDone: z.number().int().nullable(),
              behindSchedule: z.boolean(),
            }),
          ),
        }),
      ),
    }),
    tag: 'board',
    summary: "The cities (设区市) and their shares of cascaded items (分解下达): status, escalation and latest percent done",
    access: ['secretariat', 'leadership'],
    handler: async ({ deps }) => ({ cities: await citiesWithShares(deps.db) }),
  }),
  route({
    method: 'put',
    path: '/departments/:code/channels',
    operationId: 'setDepartmentChannels',
    errors: { 404: 'No such department' },
    response: department.pick({ code: true, webhook: true, email: true }),
    tag: 'admin',
    summary: "Set a department's webhook (URL and signing secret) and e-mail address",
    access: ['admin'],
    params: z.object({ code }).strict(),
    // A webhook is always signed: a new URL comes with its secret.
    body: channelsSchema
      .strict()
      .refine((c) => Object.keys(c).length > 0, { message: 'give at least one of webhookUrl, webhookSecret, email' })
      .refine((c) => !c.webhookUrl || c.webhookSecret, { path: ['webhookSecret'], message: 'is required with a webhookUrl' }),
    handler: async ({ deps, params, body, principal, requestId }) => {
      const dept = (await deps.db('departments').where({ code: params.code }).first('id')) as { id: number } | undefined;
      if (!dept) throw new HttpError(404, 'not_found', `department ${params.code} does not exist`);
      if (body.webhookUrl) await checkWebhookTarget(body.webhookUrl, deps.allowPrivateWebhooks ?? process.env.WEBHOOK_ALLOW_PRIVATE === 'true');
      await deps.db.transaction(async (trx) => {
        await setDepartmentChannels(trx, params.code, body, deps.secrets);
        await recordAudit(trx, {
          actor: principal.username,
          action: 'department.channels',
          subject: `department:${params.code}`,
          payload: { webhookUrl: body.webhookUrl, webhookSecretChanged: body.webhookSecret !== undefined, email: body.email },
          requestId,
        });
      });
      const now = (await deps.db('departments as d')
        .join('department_channels as c', 'c.department_id', 'd.id')
        .where('d.code', params.code)
        .first(deps.db.raw('(c.webhook_url is not null) as webhook'), deps.db.raw('(c.email is not null) as email'))) as { webhook: boolean; email: boolean };
      return { code: params.code, ...now };
    },
  }),
];
