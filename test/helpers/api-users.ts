import type { Express } from 'express';
import request from 'supertest';
import { API_BASE } from '../../api/app';
import { createUser } from '../../api/auth/users';
import type { Db } from '../../db/connection';

/** The callers the API tests sign in as: every role, and departments that are lead, co-operating or neither on A01-1. */
export const PASSWORD = 'correct horse battery';

export type Who = 'anonymous' | 'admin' | 'secretariat' | 'leadership' | 'lead-dept' | 'coop-dept' | 'other-dept';
export const WHO: Who[] = ['anonymous', 'admin', 'secretariat', 'leadership', 'lead-dept', 'coop-dept', 'other-dept'];

export const USERS: Record<Exclude<Who, 'anonymous'>, { username: string; role: 'admin' | 'secretariat' | 'leadership' | 'department'; department?: string }> = {
  admin: { username: 'admin1', role: 'admin' },
  secretariat: { username: 'sec1', role: 'secretariat' },
  leadership: { username: 'leader1', role: 'leadership' },
  'lead-dept': { username: 'eic1', role: 'department', department: 'eic' },
  'coop-dept': { username: 'sti1', role: 'department', department: 'sti' },
  'other-dept': { username: 'agri1', role: 'department', department: 'agri' },
};

/** Creates every test user and signs each in: their bearer tokens, by caller. */
export async function signInAll(app: Express, db: Db): Promise<Partial<Record<Who, string>>> {
  const tokens: Partial<Record<Who, string>> = {};
  for (const [who, u] of Object.entries(USERS)) {
    await createUser(db, { ...u, password: PASSWORD }, { actor: 'test' });
    const res = await request(app).post(`${API_BASE}/auth/login`).send({ username: u.username, password: PASSWORD });
    if (res.status !== 200) throw new Error(`sign-in of ${u.username} answered ${res.status}: ${res.text}`);
    tokens[who as Who] = res.body.token;
  }
  return tokens;
}

/** A supertest parser that keeps a binary answer (an .xlsx export) whole, as a Buffer in `res.body`. */
export function binaryBody(res: request.Response, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}
