import { z } from 'zod';
import { recordAudit } from '../../db/audit';
import { boundedText, code } from '../../db/catalog/plan-schema';
import { changeOwnPassword, endSessions, findUser, resetPassword, setDisabled } from '../auth/accounts';
import { DUMMY_HASH, hashPassword, needsRehash, verifyPassword } from '../auth/passwords';
import { createLoginLimiter } from '../auth/rate-limit';
import { rotateSigningKey } from '../auth/signing-keys';
import { issueToken, revokeSession, ROLES } from '../auth/tokens';
import { createUser, listUsers } from '../auth/users';
import { HttpError } from '../errors';
import { route } from '../route';
import { instant, password, role, text, user } from '../schemas';

/** What a rotation did: the new key's id, the key ids it retired, and what it purged. */
const rotation = z.object({
  kid: z.string(),
  retired: z.array(z.string()),
  sessionsPurged: z.number().int(),
  keysPurged: z.number().int(),
});

const userId = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict();

export const authRoutes = [
  route({
    method: 'post',
    path: '/auth/login',
    operationId: 'signIn',
    tag: 'auth',
    summary: 'Sign in',
    access: 'public',
    errors: { 401: 'Wrong username or password', 429: 'Too many failed sign-ins: Retry-After says when to try again' },
    response: z.object({ token: z.string(), expiresAt: instant }),
    body: z.object({ username: boundedText(64, { trim: false }), password: password(1) }).strict(),
    handler: async ({ deps, body, req, res, requestId }) => {
      // The client address as express sees it: behind a proxy, TRUST_PROXY says which X-Forwarded-For hops count.
      const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const limiter = createLoginLimiter(deps.db);
      const attempt = await limiter.begin(body.username, address);
      if (attempt.blockedFor !== undefined) {
        res.setHeader('Retry-After', String(attempt.blockedFor));
        throw new HttpError(429, 'too_many_attempts', `too many failed sign-ins; try again in ${attempt.blockedFor} s`);
      }
      const user = (await deps.db('users').where({ username: body.username }).whereNull('disabled_at').first('id', 'password_hash')) as
        | { id: number; password_hash: string }
        | undefined;
      // An unknown or disabled user is checked against a dummy hash: the same scrypt work as a wrong password.
      const good = await verifyPassword(body.password, user?.password_hash ?? DUMMY_HASH);
      if (!user || !good) {
        await limiter.fail();
        throw new HttpError(401, 'bad_credentials', 'wrong username or password');
      }
      await limiter.succeed(body.username, address);
      if (needsRehash(user.password_hash)) {
        // An older hash (N=2^14) is rewritten with today's parameters now that the password is known; once only, if two sign-ins race.
        await deps.db('users').where({ id: user.id, password_hash: user.password_hash }).update({ password_hash: await hashPassword(body.password) });
      }
      const { token, expiresAt } = await issueToken(deps.db, deps.keyring, user.id, deps.tokenTtlSeconds);
      await recordAudit(deps.db, { actor: body.username, action: 'auth.login', subject: `user:${body.username}`, requestId });
      return { token, expiresAt: expiresAt.toISOString() };
    },
  }),
  route({
    method: 'post',
    path: '/auth/logout',
    operationId: 'signOut',
    tag: 'auth',
    response: z.object({ ok: z.literal(true) }),
    summary: 'Sign out (revokes the token)',
    access: 'signed-in',
    handler: async ({ deps, principal, requestId }) => {
      await revokeSession(deps.db, principal.sessionId);
      await recordAudit(deps.db, { actor: principal.username, action: 'auth.logout', subject: `user:${principal.username}`, requestId });
      return { ok: true };
    },
  }),
  route({
    method: 'post',
    path: '/auth/password',
    operationId: 'changeOwnPassword',
    tag: 'auth',
    summary: 'Change your own password (your other sessions end; this one is kept)',
    access: 'signed-in',
    errors: { 429: 'Too many wrong current passwords: Retry-After says when to try again' },
    response: z.object({ ok: z.literal(true), sessionsEnded: z.number().int() }),
    body: z.object({ currentPassword: password(1), newPassword: password(10) }).strict(),
    handler: async ({ deps, body, principal, req, res, requestId }) => {
      // A stolen token must not become a way to guess the password: wrong current passwords count as failed sign-ins.
      const limiter = createLoginLimiter(deps.db);
      const attempt = await limiter.begin(principal.username, req.ip ?? req.socket.remoteAddress ?? 'unknown');
      if (attempt.blockedFor !== undefined) {
        res.setHeader('Retry-After', String(attempt.blockedFor));
        throw new HttpError(429, 'too_many_attempts', `too many wrong passwords; try again in ${attempt.blockedFor} s`);
      }
      try {
        const { sessionsEnded } = await changeOwnPassword(deps.db, principal.userId, body.currentPassword, body.newPassword, { actor: principal.username, userId: principal.userId, sessionId: principal.sessionId, requestId });
        return { ok: true, sessionsEnded };
      } catch (err) {
        if (err instanceof HttpError && err.status === 422) await limiter.fail();
        throw err;
      }
    },
  }),
  route({
    method: 'get',
    path: '/auth/me',
    operationId: 'whoAmI',
    tag: 'auth',
    response: z.object({ username: z.string(), role, department: z.string().nullable() }),
    summary: 'Who am I',
    access: 'signed-in',
    handler: async ({ principal }) => ({ username: principal.username, role: principal.role, department: principal.department ?? null }),
  }),
  route({
    method: 'post',
    path: '/auth/signing-keys/rotate',
    operationId: 'rotateSigningKey',
    tag: 'auth',
    summary: 'Rotate the token signing key (tokens already issued stay valid until they expire)',
    access: ['admin'],
    response: rotation,
    handler: async ({ deps, principal, requestId }) => {
      const done = await rotateSigningKey(deps.db, { actor: principal.username, requestId }, deps.keyring.maxTokenTtlSeconds);
      // This process signs with the new key at once; the others read it within their cache period.
      await deps.keyring.reload();
      return done;
    },
  }),
  route({
    method: 'get',
    path: '/users',
    operationId: 'listUsers',
    tag: 'admin',
    summary: 'List the users, with their roles and departments',
    access: ['admin'],
    response: z.object({ users: z.array(user) }),
    handler: async ({ deps }) => ({ users: await listUsers(deps.db) }),
  }),
  route({
    method: 'post',
    path: '/users',
    operationId: 'addUser',
    tag: 'admin',
    summary: 'Add a user',
    access: ['admin'],
    status: 201,
    response: user,
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
      const [created] = await listUsers(deps.db, { id });
      return created;
    },
  }),
  route({
    method: 'post',
    path: '/users/:id/disable',
    operationId: 'disableUser',
    tag: 'admin',
    summary: 'Disable a user: they cannot sign in, and their sessions end',
    access: ['admin'],
    params: userId,
    errors: { 404: 'No such user', 409: 'An administrator cannot disable themself' },
    response: user,
    handler: async ({ deps, params, principal, requestId }) => {
      await setDisabled(deps.db, await findUser(deps.db, params), true, { actor: principal.username, userId: principal.userId, requestId });
      const [row] = await listUsers(deps.db, params);
      return row;
    },
  }),
  route({
    method: 'post',
    path: '/users/:id/enable',
    operationId: 'enableUser',
    tag: 'admin',
    summary: 'Enable a disabled user again',
    access: ['admin'],
    params: userId,
    errors: { 404: 'No such user' },
    response: user,
    handler: async ({ deps, params, principal, requestId }) => {
      await setDisabled(deps.db, await findUser(deps.db, params), false, { actor: principal.username, userId: principal.userId, requestId });
      const [row] = await listUsers(deps.db, params);
      return row;
    },
  }),
  route({
    method: 'post',
    path: '/users/:id/password',
    operationId: 'resetUserPassword',
    tag: 'admin',
    summary: "Set a user's password: their sessions end",
    access: ['admin'],
    params: userId,
    errors: { 404: 'No such user' },
    body: z.object({ newPassword: password(10) }).strict(),
    response: z.object({ ok: z.literal(true), sessionsEnded: z.number().int() }),
    handler: async ({ deps, params, body, principal, requestId }) => {
      const { sessionsEnded } = await resetPassword(deps.db, await findUser(deps.db, params), body.newPassword, { actor: principal.username, userId: principal.userId, sessionId: principal.sessionId, requestId });
      return { ok: true, sessionsEnded };
    },
  }),
  route({
    method: 'post',
    path: '/users/:id/sessions/end',
    operationId: 'endUserSessions',
    tag: 'admin',
    summary: "End all of a user's sessions (an administrator's own: all but this one)",
    access: ['admin'],
    params: userId,
    errors: { 404: 'No such user' },
    response: z.object({ sessionsEnded: z.number().int() }),
    handler: async ({ deps, params, principal, requestId }) =>
      endSessions(deps.db, await findUser(deps.db, params), { actor: principal.username, userId: principal.userId, sessionId: principal.sessionId, requestId }),
  }),
];
