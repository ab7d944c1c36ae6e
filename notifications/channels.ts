import type { Knex } from 'knex';
import { z } from 'zod';
import { boundedText, httpLink } from '../db/catalog/plan-schema';
import type { SecretBox } from '../platform/secrets';

/**
 * A department's external channels (table department_channels): a signed
 * webhook and an e-mail address, each optional. In-app notices need none.
 */

export type Channel = 'webhook' | 'email';

export interface DepartmentChannels {
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  email?: string | null;
}

export const channelsSchema = z.object({
  webhookUrl: httpLink(2000).nullable().optional(),
  webhookSecret: boundedText(500, { trim: false, min: 16 }).nullable().optional(),
  email: z.email().nullable().optional(),
});

/**
 * Sets a department's external channels (the administrator's API, and tests);
 * a field left out keeps its value, null switches the channel off. The webhook
 * secret is sealed (platform/secrets.ts): its plaintext never reaches the
 * table, nor the WAL. Only messages made afterwards use the new configuration.
 */
export async function setDepartmentChannels(db: Knex, departmentCode: string, channels: DepartmentChannels, secrets: SecretBox): Promise<void> {
  const parsed = channelsSchema.safeParse(channels);
  if (!parsed.success) {
    throw new Error(`invalid channels: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const c = parsed.data;
  await db.transaction(async (trx) => {
    const dept = (await trx('departments').where({ code: departmentCode }).first('id')) as { id: number } | undefined;
    if (!dept) throw new Error(`unknown department ${departmentCode}`);
    const changes = {
      ...(c.webhookUrl !== undefined ? { webhook_url: c.webhookUrl } : {}),
      ...(c.webhookSecret !== undefined ? { webhook_secret: c.webhookSecret === null ? null : secrets.seal(c.webhookSecret) } : {}),
      ...(c.email !== undefined ? { email: c.email } : {}),
      updated_at: trx.fn.now(),
    };
    await trx('department_channels')
      .insert({ department_id: dept.id, ...changes })
      .onConflict('department_id')
      .merge(Object.keys(changes));
  });
}

/** The external channels a department has configured now: those a new message is to be delivered on. */
export async function configuredChannels(trx: Knex.Transaction, departmentId: number): Promise<Channel[]> {
  const channels = (await trx('department_channels').where({ department_id: departmentId }).first('webhook_url', 'email')) as
    | { webhook_url: string | null; email: string | null }
    | undefined;
  const configured: Channel[] = [];
  if (channels?.webhook_url) configured.push('webhook');
  if (channels?.email) configured.push('email');
  return configured;
}
