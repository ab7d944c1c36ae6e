import { recordAudit } from '../../db/audit';
import type { DepartmentKind } from '../../db/catalog/plan-schema';
import type { Db } from '../../db/connection';
import { TEXT_LIMITS, textProblem } from '../../domain/text';
import { invalid } from '../errors';
import { generatePassword, hashPassword } from './passwords';
import { ROLES, type Role } from './tokens';

const CITY_KIND: DepartmentKind = 'city';

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  department?: string;
  displayName?: string;
}

/** Adds a user; a department user is bound to one department. Audited. */
export async function createUser(db: Db, user: NewUser, ctx: { actor: string; requestId?: string }): Promise<number> {
  const problems: { field: string; message: string }[] = [];
  if (!/^[A-Za-z0-9._-]{3,64}$/.test(user.username)) problems.push({ field: 'username', message: 'must be 3-64 letters, digits, ".", "_" or "-"' });
  // The API's schema checks these too; the user:add command comes here directly.
  const passwordProblem = user.password.length < 10 ? 'must be at least 10 characters' : textProblem(user.password, 200);
  if (passwordProblem) problems.push({ field: 'password', message: passwordProblem });
  const nameProblem = user.displayName === undefined ? undefined : textProblem(user.displayName, TEXT_LIMITS.name);
  if (nameProblem) problems.push({ field: 'displayName', message: nameProblem });
  if (!ROLES.includes(user.role)) problems.push({ field: 'role', message: `must be one of ${ROLES.join(', ')}` });
  if (user.role === 'department' && !user.department) problems.push({ field: 'department', message: 'is required for a department user' });
  if (user.role !== 'department' && user.department) problems.push({ field: 'department', message: 'is only for department users' });
  let departmentId: number | null = null;
  if (user.department) {
    const dept = (await db('departments').where({ code: user.department }).first('id')) as { id: number } | undefined;
    if (!dept) problems.push({ field: 'department', message: `unknown department "${user.department}"` });
    departmentId = dept?.id ?? null;
  }
  if ((await db('users').where({ username: user.username }).first('id')) !== undefined) problems.push({ field: 'username', message: `"${user.username}" is taken` });
  if (problems.length) throw invalid(problems);
  return db.transaction(async (trx) => {
    const [row] = (await trx('users')
      .insert({ username: user.username, password_hash: await hashPassword(user.password), role: user.role, department_id: departmentId, display_name: user.displayName ?? null })
      .returning('id')) as { id: number }[];
    await recordAudit(trx, { actor: ctx.actor, action: 'user.create', subject: `user:${user.username}`, payload: { role: user.role, department: user.department }, requestId: ctx.requestId });
    return (row as { id: number }).id;
  });
}

/** Users as the API answers them (never a password hash), by user name; one user where `id` is given. */
export function listUsers(db: Db, where: { id?: number } = {}) {
  const q = db('users as u')
    .leftJoin('departments as d', 'd.id', 'u.department_id')
    .orderBy('u.username')
    .select('u.id', 'u.username', 'u.role', 'd.code as department', 'u.display_name as displayName', db.raw('(u.disabled_at is not null) as disabled'));
  if (where.id !== undefined) q.where('u.id', where.id);
  return q as unknown as Promise<{ id: number; username: string; role: Role; department: string | null; displayName: string | null; disabled: boolean }[]>;
}

/**
 * Whether the first start (no users yet) makes the demo accounts: DEMO_USERS
 * when set, else only under the embedded defaults (no DATABASE_URL): their
 * passwords go to the log, no way for a deployment's accounts to begin.
 */
export function shouldCreateDemoUsers(cfg: { DATABASE_URL?: string; DEMO_USERS?: boolean }): boolean {
  return cfg.DEMO_USERS ?? !cfg.DATABASE_URL;
}

/**
 * On the first start: one admin, one secretariat user (the secretariat's
 * department), one leadership user and one liaison per department of the
 * default plan's proposals and per city of the directory (no proposal names a
 * city, yet each is a party with liaisons of its own), with generated
 * passwords returned once to be printed.
 */
export async function createDemoUsers(db: Db, planCode: string): Promise<{ username: string; role: Role; department?: string; password: string }[]> {
  if ((await db('users').first('id')) !== undefined) return [];
  const proposed = (await db('item_owner_proposals as p')
    .join('items as i', 'i.id', 'p.item_id')
    .join('plans as pl', 'pl.id', 'i.plan_id')
    .join('departments as d', 'd.id', 'p.department_id')
    .where('pl.code', planCode)
    .distinct('d.code')) as { code: string }[];
  const cities = (await db('departments').where('kind', CITY_KIND).select('code')) as { code: string }[];
  // Each once: a city a proposal names is one liaison, not two.
  const departments = [...new Set([...proposed, ...cities].map((d) => d.code))].sort().map((code) => ({ code }));
  const wanted: { username: string; role: Role; department?: string }[] = [
    { username: 'admin', role: 'admin' },
    { username: 'secretariat', role: 'secretariat' },
    { username: 'leader', role: 'leadership' },
    ...departments.map((d) => ({ username: `liaison-${d.code}`, role: 'department' as Role, department: d.code })),
  ];
  const created = [];
  for (const u of wanted) {
    const password = generatePassword();
    await createUser(db, { ...u, password }, { actor: 'system:first-start' });
    created.push({ ...u, password });
  }
  return created;
}
