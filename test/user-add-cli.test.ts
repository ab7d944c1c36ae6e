import { verifyPassword } from '../api/auth/passwords';
import type { Db } from '../db/connection';
import { createCatalogDatabase } from './helpers/db';
import { runScript } from './helpers/scripts';

const userAdd = (url: string, args: string[], password: string) => runScript('user-add', args, url, `${password}\n`);

describe('npm run user:add', () => {
  let db: Db;
  let url: string;
  beforeAll(async () => {
    ({ db, url } = await createCatalogDatabase('useradd'));
  });
  afterAll(async () => {
    await db.destroy();
  });

  test('adds a department user with the password from standard input, stored as a scrypt hash, and audited', async () => {
    const res = userAdd(url, ['liaison-fin', '--role', 'department', '--department', 'finance'], 'a long enough secret');
    expect(res.status).toBe(0);
    const user = await db('users as u').join('departments as d', 'd.id', 'u.department_id').where('u.username', 'liaison-fin').first('u.role', 'u.password_hash', 'd.code');
    expect(user).toMatchObject({ role: 'department', code: 'finance' });
    expect(user.password_hash).toMatch(/^scrypt\$/);
    expect(user.password_hash).not.toContain('a long enough secret');
    expect(await verifyPassword('a long enough secret', user.password_hash)).toBe(true);
    expect(await db('audit_events').where({ action: 'user.create', subject: 'user:liaison-fin' })).toHaveLength(1);
  });

  test('refuses bad input with the bad fields named, exit code 2, and writes nothing', async () => {
    const res = userAdd(url, ['x', '--role', 'department'], 'short');
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('username:');
    expect(res.stderr).toContain('password: must be at least 10 characters');
    expect(res.stderr).toContain('department: is required for a department user');
    expect(await db('users').where({ username: 'x' })).toHaveLength(0);
  });
});
