import { recordAudit } from '../../db/audit';
import type { Db } from '../../db/connection';
import { textProblem } from '../../domain/text';
import { HttpError, invalid } from '../errors';
import { hashPassword, verifyPassword } from './passwords';

/** Who does an account change, for the audit trail: a user name (or `cli:<login>`), their user id when signed in, the request id. */
export interface AccountActor {
  actor: string;
  /** The signed-in user doing it, so an administrator cannot disable themself. */
  userId?: number;
  /** The session the change is made from: kept when the change ends the user's sessions. */
  sessionId?: string;
  requestId?: string;
}

interface UserRow {
  id: number;
  username: string;
  disabled_at: Date | null;
}

/** One user by id or user name; 404 when there is none. */
export async function findUser(db: Db, ref: { id: number } | { username: string }): Promise<UserRow> {
  const row = (await db('users').where(ref).first('id', 'username', 'disabled_at')) as UserRow | undefined;
  if (!row) throw new HttpError(404, 'not_found', 'id' in ref ? `no user ${ref.id}` : `no user "${ref.username}"`);
  return row;
}

/** The rules POST /users has for a password, for callers that do not come through the API's schema (the CLI). */
function checkNewPassword(password: string, field: string): void {
  const problem = password.length < 10 ? 'must be at least 10 characters' : textProblem(password, 200);
  if (problem) throw invalid([{ field, message: problem }]);
}

/** Revokes the user's live sessions but `keep`; how many it ended. */
async function revokeSessions(trx: Db, userId: number, keep?: string): Promise<number> {
  const q = trx('sessions').where({ user_id: userId }).whereNull('revoked_at').where('expires_at', '>', new Date());
  if (keep) q.whereNot({ id: keep });
  return q.update({ revoked_at: new Date() });
}

/** A signed-in user changes their own password: the current one must be right; their other sessions end, this one is kept. */
export async function changeOwnPassword(db: Db, userId: number, currentPassword: string, newPassword: string, by: AccountActor): Promise<{ sessionsEnded: number }> {
  const row = (await db('users').where({ id: userId }).first('id', 'username', 'disabled_at', 'password_hash')) as (UserRow & { password_hash: string }) | undefined;
  if (!row) throw new HttpError(404, 'not_found', `no user ${userId}`);
  if (!(await verifyPassword(currentPassword, row.password_hash))) throw invalid([{ field: 'currentPassword', message: 'is not your current password' }]);
  checkNewPassword(newPassword, 'newPassword');
  const hash = await hashPassword(newPassword);
  return db.transaction(async (trx) => {
    await trx('users').where({ id: row.id }).update({ password_hash: hash });
    const sessionsEnded = await revokeSessions(trx, row.id, by.sessionId);
    await recordAudit(trx, { actor: by.actor, action: 'user.password.change', subject: `user:${row.username}`, payload: { sessionsEnded }, requestId: by.requestId });
    return { sessionsEnded };
  });
}

/** An administrator sets a user's password; every session of theirs ends (but the one it is done from, when they reset their own). */
export async function resetPassword(db: Db, target: UserRow, newPassword: string, by: AccountActor): Promise<{ sessionsEnded: number }> {
  checkNewPassword(newPassword, 'newPassword');
  const hash = await hashPassword(newPassword);
  return db.transaction(async (trx) => {
    await trx('users').where({ id: target.id }).update({ password_hash: hash });
    const sessionsEnded = await revokeSessions(trx, target.id, by.sessionId);
    await recordAudit(trx, { actor: by.actor, action: 'user.password.reset', subject: `user:${target.username}`, payload: { sessionsEnded }, requestId: by.requestId });
    return { sessionsEnded };
  });
}

/** Disables (and ends every session of) or re-enables a user; a no-op, unaudited, when already so. An administrator cannot disable themself. */
export async function setDisabled(db: Db, target: UserRow, disabled: boolean, by: AccountActor): Promise<{ changed: boolean; sessionsEnded: number }> {
  if (disabled && by.userId === target.id) throw new HttpError(409, 'conflict', 'you cannot disable yourself');
  return db.transaction(async (trx) => {
    const q = trx('users').where({ id: target.id });
    const changed = disabled ? await q.whereNull('disabled_at').update({ disabled_at: new Date() }) : await q.whereNotNull('disabled_at').update({ disabled_at: null });
    if (!changed) return { changed: false, sessionsEnded: 0 };
    const sessionsEnded = disabled ? await revokeSessions(trx, target.id) : 0;
    await recordAudit(trx, { actor: by.actor, action: disabled ? 'user.disable' : 'user.enable', subject: `user:${target.username}`, payload: disabled ? { sessionsEnded } : {}, requestId: by.requestId });
    return { changed: true, sessionsEnded };
  });
}

/** Ends every session of a user (but the one it is done from, when an administrator ends their own). Audited. */
export async function endSessions(db: Db, target: UserRow, by: AccountActor): Promise<{ sessionsEnded: number }> {
  return db.transaction(async (trx) => {
    const sessionsEnded = await revokeSessions(trx, target.id, by.sessionId);
    await recordAudit(trx, { actor: by.actor, action: 'user.sessions.end', subject: `user:${target.username}`, payload: { sessionsEnded }, requestId: by.requestId });
    return { sessionsEnded };
  });
}
