import { z } from 'zod';
import { code } from '../../db/catalog/plan-schema';
import { channelsSchema, setDepartmentChannels } from '../../activities/notifications';
import { HttpError } from '../errors';
import { route } from '../route';
import { department } from '../schemas';


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
      if ((await deps.db('departments').where({ code: params.code }).first('id')) === undefined) {
        throw new HttpError(404, 'not_found', `department ${params.code} does not exist`);
      }
      await setDepartmentChannels(deps.db, params.code, body);
      await deps.db('audit_events').insert({
        actor: principal.username,
        action: 'department.channels',
        subject: `department:${params.code}`,
        payload: JSON.stringify({ webhookUrl: body.webhookUrl, webhookSecretChanged: body.webhookSecret !== undefined, email: body.email }),
        request_id: requestId,
      });
      const now = (await deps.db('departments as d')
        .join('department_channels as c', 'c.department_id', 'd.id')
        .where('d.code', params.code)
        .first(deps.db.raw('(c.webhook_url is not null) as webhook'), deps.db.raw('(c.email is not null) as email'))) as { webhook: boolean; email: boolean };
      return { code: params.code, ...now };
    },
  }),
];
