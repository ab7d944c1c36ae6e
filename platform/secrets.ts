import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Config } from './config';
import type { Logger } from './logger';
import { recordAudit } from '../db/audit';

/**
 * Secrets the database keeps (a department's webhook secret) are stored
 * encrypted with AES-256-GCM, so a copy of the database (a backup, a dump
 * handed to a vendor) does not carry them. The key is SECRETS_KEY, or else a
 * key file under DATA_DIR made on first use: never in the database.
 */

const KEY_BYTES = 32;
const IV_BYTES = 12;
const PREFIX = 'v1:';
export const KEY_FILE = 'secrets.key';

/** A decryption that failed: the value was altered, or sealed with another key. Never carries the value. */
export class SecretUnreadable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretUnreadable';
  }
}

export interface SecretBox {
  /** The stored form: `v1:<iv>:<tag>:<ciphertext>`, each base64, with a fresh random IV. */
  seal(plain: string): string;
  /** The secret from its stored form; SecretUnreadable when it is malformed, altered or sealed with another key. */
  open(sealed: string): string;
}

/** A key written as 64 hex digits or as base64 (standard or URL-safe); undefined when it is neither. */
function decodeKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) return undefined;
  return Buffer.from(t, 'base64');
}

/** Why a SECRETS_KEY value cannot be the key, or undefined when it can; names no part of the value. */
export function secretsKeyProblem(text: string): string | undefined {
  const key = decodeKey(text);
  if (key?.length === KEY_BYTES) return undefined;
  const got = key ? `it is ${key.length} bytes` : 'it is neither hex nor base64';
  return `must be ${KEY_BYTES} bytes as 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`); ${got}`;
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new Error(`a secrets key is ${KEY_BYTES} bytes, not ${key.length}`);
  return {
    seal(plain) {
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ciphertext.toString('base64')}`;
    },
    open(sealed) {
      const [iv, tag, ciphertext, ...rest] = sealed.slice(PREFIX.length).split(':').map((p) => Buffer.from(p, 'base64'));
      if (!isSealed(sealed) || !iv || !tag || !ciphertext || rest.length || iv.length !== IV_BYTES || tag.length !== 16) {
        throw new SecretUnreadable('a stored secret is not in the v1:<iv>:<tag>:<ciphertext> form');
      }
      try {
        const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretUnreadable('a stored secret failed its authentication check: it was altered, or sealed with another SECRETS_KEY');
      }
    },
  };
}

/**
 * A stored secret as it is to be used: a sealed one opened, a plaintext one
 * (stored before secrets were sealed, and not yet sealed by a start) as is.
 */
export function readStoredSecret(stored: string, box: SecretBox): string {
  return isSealed(stored) ? box.open(stored) : stored;
}

/** Makes the key file once: written aside and linked into place, so a process starting beside this one reads a whole key or makes none. */
function createKeyFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const aside = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(aside, `${crypto.randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(aside, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.unlinkSync(aside);
  }
}

/** The key: SECRETS_KEY when set, else `<DATA_DIR>/secrets.key` (made on first use, mode 0600), and where it came from. */
export function loadSecretsKey(cfg: Pick<Config, 'SECRETS_KEY' | 'DATA_DIR'>): { key: Buffer; source: string } {
  if (cfg.SECRETS_KEY !== undefined) {
    const problem = secretsKeyProblem(cfg.SECRETS_KEY);
    if (problem) throw new Error(`SECRETS_KEY ${problem}`);
    return { key: decodeKey(cfg.SECRETS_KEY) as Buffer, source: 'SECRETS_KEY' };
  }
  const file = path.join(cfg.DATA_DIR, KEY_FILE);
  if (!fs.existsSync(file)) createKeyFile(file);
  const key = decodeKey(fs.readFileSync(file, 'utf8'));
  if (key?.length !== KEY_BYTES) throw new Error(`${file} does not hold a ${KEY_BYTES}-byte key (64 hex digits or base64): restore it from a backup, or set SECRETS_KEY`);
  return { key, source: file };
}

/**
 * Seals every webhook secret still stored in plaintext, once: the update
 * matches the plaintext it read, so a process doing the same at the same time
 * seals each at most once. Also answers which departments' sealed secrets this
 * key cannot open (another process's key).
 */
export async function sealStoredSecrets(db: Knex, box: SecretBox): Promise<{ sealed: string[]; unreadable: string[] }> {
  const rows = (await db('department_channels as c')
    .join('departments as d', 'd.id', 'c.department_id')
    .whereNotNull('c.webhook_secret')
    .orderBy('d.code')
    .select('c.department_id', 'd.code', 'c.webhook_secret')) as { department_id: number; code: string; webhook_secret: string }[];
  const sealed: string[] = [];
  const unreadable: string[] = [];
  for (const row of rows) {
    if (isSealed(row.webhook_secret)) {
      if (!opens(box, row.webhook_secret)) unreadable.push(row.code);
      continue;
    }
    const changed = await db('department_channels')
      .where({ department_id: row.department_id, webhook_secret: row.webhook_secret })
      .update({ webhook_secret: box.seal(row.webhook_secret) });
    if (changed) sealed.push(row.code);
  }
  if (sealed.length) {
    await recordAudit(db, { actor: 'system:start', action: 'department.channels.seal', subject: 'department_channels', payload: { departments: sealed } });
  }
  return { sealed, unreadable };
}

function opens(box: SecretBox, sealed: string): boolean {
  try {
    box.open(sealed);
    return true;
  } catch {
    return false;
  }
}

/** At the start of an API or worker process, right after migrations: the key, and the stored secrets sealed with it. */
export async function prepareSecrets(cfg: Pick<Config, 'SECRETS_KEY' | 'DATA_DIR' | 'DATABASE_URL'>, db: Knex, log: Logger): Promise<SecretBox> {
  const { key, source } = loadSecretsKey(cfg);
  if (source !== 'SECRETS_KEY' && cfg.DATABASE_URL) {
    log.warn({ keyFile: source }, 'SECRETS_KEY is not set: stored secrets are encrypted with this machine\'s key file; every API and worker process must use the same key, so set SECRETS_KEY on each');
  }
  const box = createSecretBox(key);
  const { sealed, unreadable } = await sealStoredSecrets(db, box);
  if (sealed.length) log.info({ departments: sealed }, 'webhook secrets stored in plaintext are now encrypted');
  if (unreadable.length) {
    log.error({ departments: unreadable, key: source }, 'these webhook secrets cannot be decrypted with this key: every process must use the same SECRETS_KEY (or set the secrets again)');
  }
  return box;
}
