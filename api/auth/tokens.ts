import crypto from 'node:crypto';
import type { Db } from '../../db/connection';

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
}

/** The token signing key: made once per database and kept there, never in the repository. */
export async function signingKey(db: Db): Promise<Buffer> {
  const fresh = crypto.randomBytes(32).toString('base64url');
  await db('app_secrets').insert({ name: 'token-signing-key', value: fresh }).onConflict('name').ignore();
  const row = (await db('app_secrets').where({ name: 'token-signing-key' }).first('value')) as { value: string };
  return Buffer.from(row.value, 'base64url');
}

function sign(key: Buffer, body: string): string {
  return crypto.createHmac('sha256', key).update(body).digest('base64url');
}

/** A bearer token `<claims>.<hmac>` naming a session row, so logout can revoke it before it expires. */
export async function issueToken(db: Db, key: Buffer, userId: number, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }> {
  const sid = crypto.randomUUID();
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await db('sessions').insert({ id: sid, user_id: userId, issued_at: new Date(), expires_at: expiresAt });
  const body = Buffer.from(JSON.stringify({ sid, sub: userId, exp: Math.floor(expiresAt.getTime() / 1000) } satisfies Claims)).toString('base64url');
  return { token: `${body}.${sign(key, body)}`, expiresAt };
}

/** The signed-in user, or undefined for a token that is malformed, forged, expired or revoked. */
export async function verifyToken(db: Db, key: Buffer, token: string): Promise<Principal | undefined> {
  const [body, mac] = token.split('.');
  if (!body || !mac || token.split('.').length !== 2) return undefined;
  const expected = Buffer.from(sign(key, body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return undefined;
  let claims: Claims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
  } catch {
    return undefined;
  }
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
