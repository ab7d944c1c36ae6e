import { verifyPassword } from '../api/auth/passwords';
import { createUser } from '../api/auth/users';
import type { Db } from '../db/connection';
import { createCatalogDatabase } from './helpers/db';
import { runScript } from './helpers/scripts';

const account = (url: string, action: string, username: string, input?: string) => runScript('user-account', [action, username], url, input);

describe('npm run user:disable / user:enable / user:password / user:sessions:end', () => {
  let db: Db;
  let url: string;
  let id: number;
  const live = () => db('sessions').where({ user_id: id }).whereNull('revoked_at');
  const session = (n: number) => db('sessions').insert({ id: `00000000-0000-4000-8000-00000000000${n}`, user_id: id, issued_at: new Date(), expires_at: new Date(Date.now() + 3_600_000) });

  beforeAll(async () => {
    ({ db, url } = await createCatalogDatabase('useraccount'));
    id = await createUser(db, { username: 'liaison-fin', password: 'the first password', role: 'department', department: 'finance' }, { actor: 'test' });
  });
  afterAll(async () => {
    await db.destroy();
  });

  test('disable ends the sessions and sets disabled_at; enable clears it; both audited', async () => {
    await session(1);
    expect(account(url, 'disable', 'liaison-fin').status).toBe(0);
    expect(await db('users').where({ id }).first('disabled_at')).toEqual({ disabled_at: expect.any(Date) });
    expect(await live()).toHaveLength(0);
    expect(account(url, 'enable', 'liaison-fin').status).toBe(0);
    expect(await db('users').where({ id }).first('disabled_at')).toEqual({ disabled_at: null });
    const audit = await db('audit_events').where({ subject: 'user:liaison-fin' }).whereIn('action', ['user.disable', 'user.enable']).orderBy('id').select('actor', 'action');
    expect(audit).toEqual([
      { actor: expect.stringMatching(/^cli:/), action: 'user.disable' },
      { actor: expect.stringMatching(/^cli:/), action: 'user.enable' },
    ]);
  });

  test('password reads the new password from standard input, refuses a short one, and ends the sessions', async () => {
    await session(2);
    const short = account(url, 'password', 'liaison-fin', 'short\n');
    expect(short.status).toBe(2);
    expect(short.stderr).toContain('newPassword: must be at least 10 characters');
    expect(account(url, 'password', 'liaison-fin', 'the second password\n').status).toBe(0);
    const { password_hash: hash } = (await db('users').where({ id }).first('password_hash')) as { password_hash: string };
    expect(await verifyPassword('the second password', hash)).toBe(true);
    expect(await live()).toHaveLength(0);
    expect(await db('audit_events').where({ action: 'user.password.reset', subject: 'user:liaison-fin' })).toHaveLength(1);
  });

  test('sessions-end ends every session; an unknown user or action is refused', async () => {
    await session(3);
    await session(4);
    expect(account(url, 'sessions-end', 'liaison-fin').status).toBe(0);
    expect(await live()).toHaveLength(0);
    expect(await db('audit_events').where({ action: 'user.sessions.end', subject: 'user:liaison-fin' }).first('payload')).toEqual({ payload: { sessionsEnded: 2 } });
    expect(account(url, 'disable', 'nobody').status).toBe(3);
    expect(account(url, 'delete', 'liaison-fin').status).toBe(64);
  });
});
