import crypto from 'node:crypto';
import type { Db } from '../../db/connection';
import { MAX_TOKEN_TTL_SECONDS } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { recordAudit } from '../../db/audit';

/**
 * Token signing keys, kept in the database (signing_keys) so every API process
 * signs and verifies with the same ones. The newest key signs; a retired key
 * still verifies the tokens it signed until they can no longer be valid; keys
 * past that, and the sessions that have expired, are purged.
 */

/** Tokens issued before keys had ids name none: they verify against this key, migrated from app_secrets. */
export const LEGACY_KID = 'legacy';

/** How long a process trusts its copy of the keys: a rotation made by another process is seen within this. */
export const KEY_CACHE_MS = 30_000;

/** What a key id may look like: anything else is refused before the database is asked. */
const KID = /^[A-Za-z0-9_-]{1,32}$/;

interface StoredKey {
  kid: string;
  key: Buffer;
  retiredAt: Date | null;
}

interface KeySet {
  readAt: number;
  byKid: Map<string, StoredKey>;
  current: StoredKey;
}

export interface KeyringOptions {
  /** The longest a token lives (TOKEN_TTL_SECONDS): how long a retired key still verifies. Default the most it may be configured to. */
  maxTokenTtlSeconds?: number;
  /** How long the keys read are trusted before they are read again; default KEY_CACHE_MS. */
  cacheMs?: number;
}

export interface Keyring {
  readonly maxTokenTtlSeconds: number;
  /** The newest key, to sign with. */
  signing(): Promise<{ kid: string; key: Buffer }>;
  /** The key to check a token naming `kid` with; undefined when there is none, or it was retired longer ago than a token lives. */
  verifying(kid: string): Promise<Buffer | undefined>;
  /** Reads the keys again now: after this process rotated them. */
  reload(): Promise<void>;
}

/**
 * A process that read the keys just before another rotated them signs with the
 * retired key for up to the cache period: its tokens must verify for their
 * whole life, so the retired key does for a token's life plus that period.
 */
function verifyWindowMs(maxTokenTtlSeconds: number, cacheMs = KEY_CACHE_MS): number {
  return maxTokenTtlSeconds * 1000 + cacheMs;
}

const newKid = () => crypto.randomBytes(12).toString('base64url');
const newKeyMaterial = () => crypto.randomBytes(32).toString('base64url');

/** Makes the first key of a new database; a no-op where one already signs (the unique index on the current key). */
async function ensureCurrentKey(db: Db): Promise<void> {
  await db.raw(`insert into signing_keys (kid, key) values (?, ?) on conflict do nothing`, [newKid(), newKeyMaterial()]);
}

async function readKeys(db: Db): Promise<KeySet> {
  const read = async () =>
    (await db('signing_keys').select('kid', 'key', 'retired_at')) as { kid: string; key: string; retired_at: Date | null }[];
  let rows = await read();
  if (!rows.some((r) => r.retired_at === null)) {
    await ensureCurrentKey(db);
    rows = await read();
  }
  const byKid = new Map(rows.map((r) => [r.kid, { kid: r.kid, key: Buffer.from(r.key, 'base64url'), retiredAt: r.retired_at }]));
  const current = [...byKid.values()].find((k) => k.retiredAt === null);
  if (!current) throw new Error('no current token signing key in signing_keys');
  return { readAt: Date.now(), byKid, current };
}

/** The keys of `db`, read at most every `cacheMs`, and at once when a token names a key not yet seen. */
export function createKeyring(db: Db, opts: KeyringOptions = {}): Keyring {
  const maxTokenTtlSeconds = opts.maxTokenTtlSeconds ?? MAX_TOKEN_TTL_SECONDS;
  const cacheMs = opts.cacheMs ?? KEY_CACHE_MS;
  const windowMs = verifyWindowMs(maxTokenTtlSeconds, cacheMs);
  let keys: KeySet | undefined;
  let reading: Promise<KeySet> | undefined;

  // One read at a time: a burst of requests naming a new key costs one query.
  const reread = () =>
    (reading ??= readKeys(db)
      .then((k) => (keys = k))
      .finally(() => {
        reading = undefined;
      }));
  const fresh = async () => (keys && Date.now() - keys.readAt < cacheMs ? keys : reread());

  return {
    maxTokenTtlSeconds,
    async signing() {
      const { kid, key } = (await fresh()).current;
      return { kid, key };
    },
    async verifying(kid) {
      if (!KID.test(kid)) return undefined;
      let set = await fresh();
      // Made by another process since this one last read the keys.
      if (!set.byKid.has(kid)) set = await reread();
      const found = set.byKid.get(kid);
      if (!found) return undefined;
      if (found.retiredAt && Date.now() - found.retiredAt.getTime() > windowMs) return undefined;
      return found.key;
    },
    async reload() {
      await reread();
    },
  };
}

/** Deletes expired sessions (revoked or not) and keys retired longer ago than any token they signed can live. */
export async function purgeExpired(db: Db, maxTokenTtlSeconds: number): Promise<{ sessions: number; keys: number }> {
  const sessions = await db('sessions').where('expires_at', '<', db.fn.now()).del();
  const keys = await db('signing_keys')
    .whereNotNull('retired_at')
    .where('retired_at', '<', db.raw(`now() - ? * interval '1 millisecond'`, [verifyWindowMs(maxTokenTtlSeconds)]))
    .del();
  return { sessions, keys };
}

export interface Rotation {
  kid: string;
  retired: string[];
  sessionsPurged: number;
  keysPurged: number;
}

/** Retires the signing key and makes a new one (tokens already issued stay valid until they expire), purges, and audits. */
export async function rotateSigningKey(db: Db, by: { actor: string; requestId?: string }, maxTokenTtlSeconds: number): Promise<Rotation> {
  return db.transaction(async (trx) => {
    // Two rotations at once would each retire the same key and insert a current one: the second insert would break the unique index.
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['coord:signing-key-rotation']);
    const retired = ((await trx('signing_keys').whereNull('retired_at').update({ retired_at: trx.fn.now() }).returning('kid')) as { kid: string }[]).map((r) => r.kid);
    const kid = newKid();
    await trx('signing_keys').insert({ kid, key: newKeyMaterial() });
    const purged = await purgeExpired(trx, maxTokenTtlSeconds);
    const rotation = { kid, retired, sessionsPurged: purged.sessions, keysPurged: purged.keys };
    await recordAudit(trx, {
      actor: by.actor,
      action: 'auth.signing-key.rotate',
      subject: `signing-key:${kid}`,
      payload: { retired, sessionsPurged: purged.sessions, keysPurged: purged.keys },
      requestId: by.requestId,
    });
    return rotation;
  });
}

/** In the API process: purges now, then every `everyMs` (default hourly), without keeping the process alive. */
export function startExpiryPurge(db: Db, opts: { maxTokenTtlSeconds: number; log: Logger; everyMs?: number }): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= purgeExpired(db, opts.maxTokenTtlSeconds)
      .then(
        (purged) => {
          if (purged.sessions || purged.keys) opts.log.info({ sessions: purged.sessions, signingKeys: purged.keys }, 'expired sessions and retired signing keys purged');
        },
        (err: unknown) => opts.log.warn({ err }, 'purging expired sessions failed; retrying at the next round'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, opts.everyMs ?? 3_600_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
