import { createDemoUsers, shouldCreateDemoUsers } from '../api/auth/users';
import { seedOfficialCalendar } from '../db/calendar/store';
import { importPlan } from '../db/catalog/import';
import { readPlanFile } from '../db/catalog/plan-file';
import { migrateLatest, withAdvisoryLock, type Db } from '../db/connection';
import { leadingGroupRecipients } from '../db/leading-group';
import type { Config } from './config';
import type { Logger } from './logger';
import { prepareSecrets, type SecretBox } from './secrets';

/**
 * With no user yet: demo accounts where shouldCreateDemoUsers says so (their
 * passwords shown once), else how to add the first administrator.
 */
async function firstUsers(cfg: Config, db: Db, log: Logger): Promise<void> {
  if ((await db('users').first('id')) !== undefined) return;
  if (!shouldCreateDemoUsers(cfg)) {
    log.warn(
      'no users yet, and no demo accounts (they are made only under the embedded defaults or with DEMO_USERS=true): add the first administrator with `npm run user:add -- <username> --role admin`, run with the same DATABASE_URL; it reads the password from standard input',
    );
    return;
  }
  const firstPlan = (await db('plans').orderBy('id').first('code')) as { code: string };
  const demo = await createDemoUsers(db, firstPlan.code);
  if (demo.length) {
    // Shown once: the passwords are stored only as scrypt hashes.
    log.warn({ users: demo.map((u) => `${u.username} (${u.role}${u.department ? `, ${u.department}` : ''}): ${u.password}`) }, 'demo users created; note their passwords now, they are not shown again');
  }
}

/**
 * The product's database made ready before any process serves it:
 * migrations, the secrets key, the official calendar, the default plan on a
 * first start, the leading group's directory entry and the first users.
 * `npm start` and `npm run cluster` run it before their workers and API
 * processes start, and every `npm run api` process at its own start.
 */
export function prepareProductDatabase(cfg: Config, db: Db, log: Logger): Promise<SecretBox> {
  // Several API processes may make their first start at once: one imports the plan, the others find it.
  return withAdvisoryLock(db, 'coord:first-start', () => prepare(cfg, db, log));
}

async function prepare(cfg: Config, db: Db, log: Logger): Promise<SecretBox> {
  const applied = await migrateLatest(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  const secrets = await prepareSecrets(cfg, db, log);
  const seeded = await seedOfficialCalendar(db);
  if (seeded.length) log.info({ years: `${seeded[0]}-${seeded[seeded.length - 1]}` }, 'official working-day calendar loaded');
  const plans = Number(((await db('plans').count({ n: '*' }).first()) as { n: string }).n);
  if (plans === 0) {
    log.info({ file: cfg.defaultPlanFile }, 'first start: importing the default plan');
    const result = await importPlan(db, readPlanFile(cfg.defaultPlanFile), { actor: 'system:first-start', source: cfg.defaultPlanFile });
    log.info({ plan: result.planCode, counts: result.counts }, 'default plan imported');
  }
  // The digest's second recipient, there before the first digest so the administrator can give it channels.
  await leadingGroupRecipients(db);
  await firstUsers(cfg, db, log);
  return secrets;
}
