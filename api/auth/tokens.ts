import crypto from 'node:crypto';
import type { Db } from '../../db/connection';
import { createKeyring, LEGACY_KID, type Keyring, type KeyringOptions } from './signing-keys';

export const ROLES = ['admin', 'secretariat', 'department', 'leadership'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  userId: number;
  username: string;
  role: Role;
  /** The department code, for department users. */
  department?: string;
  sessionId: string;
}

interface Claims {
  sid: string;
  sub: number;
  exp: number;
  /** The key that signed the token; absent on tokens issued before keys had ids (LEGACY_KID). */
  kid?: string;
}

/**
 * The token signing keys of this database, as a keyring (signing-keys.ts),
 * read once here so that a new database gets its first key at start. Kept in
 * the database, never in the repository.
 */
export async function openKeyring(db: Db, opts: KeyringOptions = {}): Promise<Keyring> {
  const keyring = createKeyring(db, opts);
  await keyring.signing();
  return keyring;
}

function sign(key: Buffer, body: string): string {
  return crypto.createHmac('sha256', key).update(body).digest('base64url');
}

/** A bearer token `<claims>.<hmac>` naming a session row, so logout can revoke it before it expires, and the key that signed it. */
export async function issueToken(db: Db, keyring: Keyring, userId: number, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
  const { kid, key } = await keyring.signing();
  const sid = crypto.randomUUID();
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await db('sessions').insert({ id: sid, user_id: userId, issued_at: new Date(), expires_at: expiresAt });
  const body = Buffer.from(JSON.stringify({ sid, sub: userId, exp: Math.floor(expiresAt.getTime() / 1000), kid } satisfies Claims)).toString('base64url');
  return { token: `${body}.${sign(key, body)}`, expiresAt };
}

/** The claims of a token as written; they are trusted only once the signature by the key they name is checked. */
function readClaims(body: string): Claims | undefined {
  try {
    const claims: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const kid = (claims as { kid?: unknown }).kid;
    return kid === undefined || typeof kid === 'string' ? (claims as Claims) : undefined;
  } catch {
    return undefined;
  }
}

/** The signed-in user, or undefined for a token that is malformed, forged, expired, revoked, or signed by a key no longer trusted. */
export async function verifyToken(db: Db, keyring: Keyring, token: string): Promise<Principal | undefined> {
  const [body, mac, ...rest] = token.split('.');
  if (!body || !mac || rest.length) return undefined;
  const claims = readClaims(body);
  const key = claims && (await keyring.verifying(claims.kid ?? LEGACY_KID));
  if (!claims || !key) return undefined;
  const expected = Buffer.from(sign(key, body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return undefined;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return undefined;
  const row = (await db('sessions as s')
    .join('users as u', 'u.id', 's.user_id')
    .leftJoin('departments as d', 'd.id', 'u.department_id')
    .where({ 's.id': claims.sid, 's.user_id': claims.sub })
    .whereNull('s.revoked_at')
    .whereNull('u.disabled_at')
    .where('s.expires_at', '>', new Date())
    .first('u.id', 'u.username', 'u.role', 'd.code as department')) as { id: number; username: string; role: Role; department: string | null } | undefined;
  if (!row) return undefined;
  return { userId: row.id, username: row.username, role: row.role, department: row.department ?? undefined, sessionId: claims.sid };
}

export async function revokeSession(db: Db, sessionId: string): Promise<void> {
  await db('sessions').where({ id: sessionId }).whereNull('revoked_at').update({ revoked_at: new Date() });
}
