import { z } from 'zod';
import { boundedText, code } from '../../db/catalog/plan-schema';
import { verifyPassword } from '../auth/passwords';
import { createLoginLimiter } from '../auth/rate-limit';
import { issueToken, revokeSession, ROLES } from '../auth/tokens';
import { createUser } from '../auth/users';
import { HttpError } from '../errors';
import { route } from '../route';
import { password, text } from '../schemas';

const limiter = createLoginLimiter({ maxFailures: 5, windowMs: 15 * 60_000 });

async function audit(db: import('../../db/connection').Db, actor: string, action: string, requestId: string, payload: object = {}) {
  await db('audit_events').insert({ actor, action, subject: `user:${actor}`, payload: JSON.stringify(payload), request_id: requestId });
}

export const authRoutes = [
  route({
    method: 'post',
    path: '/auth/login',
    tag: 'auth',
    summary: 'Sign in',
    access: 'public',
    body: z.object({ username: boundedText(64, { trim: false }), password: password(1) }).strict(),
    handler: async ({ deps, body, req, res, requestId }) => {
      const key = `${req.ip}|${body.username}`;
      const wait = limiter.blockedFor(key);
      if (wait !== undefined) {
        res.setHeader('Retry-After', String(wait));
        throw new HttpError(429, 'too_many_attempts', `too many failed sign-ins; try again in ${wait} s`);
      }
      const user = (await deps.db('users').where({ username: body.username }).whereNull('disabled_at').first('id', 'password_hash')) as
        | { id: number; password_hash: string }
        | undefined;
      if (!user || !(await verifyPassword(body.password, user.password_hash))) {
        limiter.fail(key);
        throw new HttpError(401, 'bad_credentials', 'wrong username or password');
      }
      limiter.succeed(key);
      const { token, expiresAt } = await issueToken(deps.db, deps.signingKey, user.id, deps.tokenTtlSeconds);
      await audit(deps.db, body.username, 'auth.login', requestId);
      return { token, expiresAt: expiresAt.toISOString() };
    },
  }),
  route({
    method: 'post',
    path: '/auth/logout',
    tag: 'auth',
    summary: 'Sign out (revokes the token)',
    access: 'signed-in',
    handler: async ({ deps, principal, requestId }) => {
      await revokeSession(deps.db, principal.sessionId);
      await audit(deps.db, principal.username, 'auth.logout', requestId);
      return { ok: true };
    },
  }),
  route({
    method: 'get',
    path: '/auth/me',
    tag: 'auth',
    summary: 'Who am I',
    access: 'signed-in',
    handler: async ({ principal }) => ({ username: principal.username, role: principal.role, department: principal.department ?? null }),
  }),
  route({
    method: 'post',
    path: '/users',
    tag: 'admin',
    summary: 'Add a user',
    access: ['admin'],
    status: 201,
    body: z
      .object({
        username: boundedText(64, { trim: false, min: 3 }),
        password: password(10),
        role: z.enum(ROLES),
        department: code.optional(),
        displayName: text('name').optional(),
      })
      .strict(),
    handler: async ({ deps, body, principal, requestId }) => {
      const id = await createUser(deps.db, body, { actor: principal.username, requestId });
      return { id, username: body.username, role: body.role, department: body.department ?? null };
    },
  }),
];
