/**
 * `npm run auth:rotate-key`: retires the token signing key and makes a new one.
 * Tokens already issued stay valid until they expire; every API process signs
 * with the new key within 30 s. Purges expired sessions and signing keys
 * retired longer than TOKEN_TTL_SECONDS ago. Audited with the actor `cli:<login>`.
 */
import { rotateSigningKey } from '../api/auth/signing-keys';
import { loadConfig } from '../platform/config';
import { withDatabase } from '../platform/database';
import { createLogger } from '../platform/logger';

async function main(): Promise<number> {
  const cfg = loadConfig();
  const log = createLogger({ level: cfg.LOG_LEVEL, pretty: cfg.LOG_PRETTY, name: 'auth-rotate-key' });
  if (process.argv.length > 2) {
    log.error('usage: npm run auth:rotate-key  (no arguments)');
    return 64;
  }
  return withDatabase(cfg, log, async (db) => {
    const done = await rotateSigningKey(db, { actor: `cli:${process.env.USER ?? 'admin'}` }, cfg.TOKEN_TTL_SECONDS);
    log.info(done, 'token signing key rotated; tokens already issued stay valid until they expire');
    return 0;
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    createLogger({ name: 'auth-rotate-key' }).fatal({ err }, 'auth:rotate-key failed');
    process.exit(1);
  },
);
