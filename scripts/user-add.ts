/**
 * `npm run user:add -- <username> --role <admin|secretariat|department|leadership> [--department <code>]`
 * The password is read from standard input (first line), never from the command line.
 */
import { parseArgs } from 'node:util';
import { createUser } from '../api/auth/users';
import type { Role } from '../api/auth/tokens';
import { HttpError } from '../api/errors';
import { loadConfig } from '../platform/config';
import { withDatabase } from '../platform/database';
import { createLogger } from '../platform/logger';
import { readFirstLine } from '../platform/stdin';

async function main(): Promise<number> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'user-add' });
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { role: { type: 'string' }, department: { type: 'string' } } });
  const username = positionals[0];
  if (!username || !values.role) {
    log.error('usage: npm run user:add -- <username> --role <role> [--department <code>]  (password on standard input)');
    return 64;
  }
  const password = await readFirstLine();
  return withDatabase(cfg, log, async (db) => {
    try {
      await createUser(db, { username, password, role: values.role as Role, department: values.department }, { actor: `cli:${process.env.USER ?? 'admin'}` });
      log.info({ username, role: values.role, department: values.department }, 'user added');
      return 0;
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      for (const p of (err.details as { field: string; message: string }[]) ?? []) process.stderr.write(`  ${p.field}: ${p.message}\n`);
      return 2;
    }
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    createLogger({ name: 'user-add' }).fatal({ err }, 'user:add failed');
    process.exit(1);
  },
);
