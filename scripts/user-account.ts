/**
 * `npm run user:disable -- <username>`, `npm run user:enable -- <username>`,
 * `npm run user:password -- <username>` (the new password on standard input, first line, never on the command line),
 * `npm run user:sessions:end -- <username>`. Each is audited with the actor `cli:<login>`.
 */
import { endSessions, findUser, resetPassword, setDisabled } from '../api/auth/accounts';
import { HttpError } from '../api/errors';
import { loadConfig } from '../platform/config';
import { withDatabase } from '../platform/database';
import { createLogger } from '../platform/logger';
import { readFirstLine } from '../platform/stdin';

const ACTIONS = ['disable', 'enable', 'password', 'sessions-end'] as const;
type Action = (typeof ACTIONS)[number];

async function main(): Promise<number> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'user-account' });
  const [action, username, ...rest] = process.argv.slice(2);
  if (!ACTIONS.includes(action as Action) || !username || rest.length) {
    log.error('usage: npm run user:disable|user:enable|user:password|user:sessions:end -- <username>  (user:password reads the password from standard input)');
    return 64;
  }
  const password = action === 'password' ? await readFirstLine() : '';
  const by = { actor: `cli:${process.env.USER ?? 'admin'}` };
  return withDatabase(cfg, log, async (db) => {
    try {
      const user = await findUser(db, { username });
      if (action === 'disable' || action === 'enable') {
        const { changed, sessionsEnded } = await setDisabled(db, user, action === 'disable', by);
        log.info({ username, changed, sessionsEnded }, changed ? `user ${action}d` : `user already ${action}d`);
      } else if (action === 'password') {
        const { sessionsEnded } = await resetPassword(db, user, password, by);
        log.info({ username, sessionsEnded }, 'password set');
      } else {
        const { sessionsEnded } = await endSessions(db, user, by);
        log.info({ username, sessionsEnded }, 'sessions ended');
      }
      return 0;
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      process.stderr.write(`${err.message}\n`);
      for (const p of (err.details as { field: string; message: string }[]) ?? []) process.stderr.write(`  ${p.field}: ${p.message}\n`);
      return err.status === 404 ? 3 : 2;
    }
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    createLogger({ name: 'user-account' }).fatal({ err }, 'user account command failed');
    process.exit(1);
  },
);
