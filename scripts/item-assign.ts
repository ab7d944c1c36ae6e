/**
 * `npm run item:assign -- <itemCode> --lead <dept> [--cooperating a,b] [--cadence quarterly]
 *   [--start YYYY-MM-DD] [--deadline YYYY-MM-DD] [--plan <code>] [--as <user>]`
 * The secretariat's assignment from the command line, until the HTTP API
 * carries it: starts the item's workflow on the running engine.
 */
import { parseArgs } from 'node:util';
import { HttpError } from '../api/errors';
import { assignItem } from '../api/services/assignments';
import { loadConfig } from '../platform/config';
import { withDatabase } from '../platform/database';
import { createLogger } from '../platform/logger';
import { connectClient, temporalSettings } from '../platform/temporal-connection';

async function main(): Promise<number> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'item-assign' });
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      plan: { type: 'string', default: 'sd-internet-plus-2016-2018' },
      lead: { type: 'string' },
      cooperating: { type: 'string', default: '' },
      cadence: { type: 'string' },
      start: { type: 'string' },
      deadline: { type: 'string' },
      as: { type: 'string', default: `cli:${process.env.USER ?? 'secretariat'}` },
    },
  });
  const itemCode = positionals[0];
  if (!itemCode || !values.lead) {
    log.error('usage: npm run item:assign -- <itemCode> --lead <dept> [--cooperating a,b] [--cadence quarterly] [--start YYYY-MM-DD] [--deadline YYYY-MM-DD]');
    return 64;
  }
  const client = await connectClient(temporalSettings(cfg, cfg.TEMPORAL_ADDRESS ?? `127.0.0.1:${cfg.TEMPORAL_DEV_PORT}`));
  try {
    return await withDatabase(cfg, log, async (db) => {
      try {
        const { workflowId, input } = await assignItem(
          { client, db, taskQueue: cfg.TEMPORAL_TASK_QUEUE, actor: values.as as string, workingDayMs: cfg.WORKING_DAY_MS },
          {
            planCode: values.plan,
            itemCode,
            lead: values.lead,
            cooperating: (values.cooperating as string).split(',').map((c) => c.trim()).filter(Boolean),
            ...(values.cadence ? { cadence: values.cadence } : {}),
            ...(values.start ? { startDate: values.start } : {}),
            ...(values.deadline ? { finalDeadline: values.deadline } : {}),
          },
        );
        log.info({ workflowId, lead: input.lead, cooperating: input.cooperating, startDate: input.startDate, finalDeadline: input.finalDeadline }, 'item assigned');
        return 0;
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        log.error({ code: err.code, details: err.details }, err.message);
        return 2;
      }
    });
  } finally {
    await client.connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    createLogger({ name: 'item-assign' }).fatal({ err }, 'assignment failed');
    process.exit(1);
  },
);
