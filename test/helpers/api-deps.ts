import crypto from 'node:crypto';
import type { Client } from '@temporalio/client';
import { openKeyring } from '../../api/auth/tokens';
import type { ApiDeps } from '../../api/route';
import type { Db } from '../../db/connection';
import { createSecretBox } from '../../platform/secrets';
import { silentLog } from './plans';

/** One secrets key per test file: what its API seals, its dispatcher opens. */
export const testSecrets = createSecretBox(crypto.randomBytes(32));

/**
 * The API's dependencies as the tests give them: the database's keyring, the
 * file's secrets key, a silent log, one-hour tokens; a test that runs no
 * workflow needs no Temporal client.
 */
export async function apiDeps(db: Db, over: Partial<ApiDeps> = {}): Promise<ApiDeps> {
  return { db, client: {} as Client, taskQueue: 'unused', log: silentLog, keyring: await openKeyring(db), tokenTtlSeconds: 3600, secrets: testSecrets, ...over };
}
