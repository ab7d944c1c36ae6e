import { Writable } from 'node:stream';
import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { API_BASE, createApp } from '../api/app';
import type { ApiDeps } from '../api/route';
import { apiDeps } from './helpers/api-deps';
import { createUser } from '../api/auth/users';
import type { Db } from '../db/connection';
import { createLogger, REDACTED, type Logger } from '../platform/logger';
import { PASSWORD } from './helpers/api-users';
import { createCatalogDatabase } from './helpers/db';

/** Every line the logger writes, as text: what an operator's log store would hold. */
function capture(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  return { stream, text: () => out };
}

const SECRET = 'whsec-log-redaction-0123456789abcdef';
const COOKIE = 'coord_session=cookie-value-not-for-logs';

describe('log redaction', () => {
  let db: Db;
  let deps: ApiDeps;
  beforeAll(async () => {
    ({ db } = await createCatalogDatabase('log_redaction'));
    deps = await apiDeps(db);
    await createUser(db, { username: 'admin1', role: 'admin', password: PASSWORD }, { actor: 'test' });
  });
  afterAll(async () => {
    await db?.destroy();
  });

  // No route used here reaches Temporal, so no worker is needed.
  const appWith = (log: Logger): Express =>
    createApp({ log, readiness: {}, api: { ...deps, log } });

  /** Signs in, reads with the token (and a cookie), sets a channel secret, and fails a sign-in and a write: every place a credential passes. */
  async function exercise(app: Express): Promise<string> {
    expect((await request(app).post(`${API_BASE}/auth/login`).send({ username: 'admin1', password: `${PASSWORD} wrong` })).status).toBe(401);
    const login = await request(app).post(`${API_BASE}/auth/login`).send({ username: 'admin1', password: PASSWORD });
    expect(login.status).toBe(200);
    const token = login.body.token as string;
    expect(token).toEqual(expect.any(String));
    const auth = { authorization: `Bearer ${token}` };

    expect((await request(app).get(`${API_BASE}/auth/me`).set(auth).set('cookie', COOKIE)).status).toBe(200);
    expect((await request(app).get(`${API_BASE}/departments`).set(auth)).status).toBe(200);
    const set = await request(app).put(`${API_BASE}/departments/eic/channels`).set(auth).send({ webhookUrl: 'https://hooks.example.com/coord', webhookSecret: SECRET });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ code: 'eic', webhook: true });
    const refused = await request(app).put(`${API_BASE}/departments/eic/channels`).set(auth).send({ webhookUrl: 'not a url', webhookSecret: SECRET });
    expect(refused.status).toBe(422);
    expect((await request(app).get(`${API_BASE}/auth/me`).set('authorization', `Bearer ${token}x`)).status).toBe(401);
    return token;
  }

  function expectClean(text: string, token: string): void {
    expect(text).toContain('/departments/eic/channels');
    expect(text).toContain(REDACTED);
    for (const credential of [token, token.split('.').pop() as string, PASSWORD, SECRET, 'cookie-value-not-for-logs']) {
      expect(text).not.toContain(credential);
    }
  }

  test('the real logger (createLogger) keeps tokens, passwords, cookies and channel secrets out of every request line', async () => {
    const out = capture();
    const log = createLogger({ level: 'debug', name: 'redaction', destination: out.stream });
    const token = await exercise(appWith(log));
    // The same logger elsewhere (activities, scripts) blanks the field names wherever they appear.
    log.info({ password: PASSWORD, body: { webhookSecret: SECRET, token }, channels: { eic: { webhookSecret: SECRET } } }, 'fields with credentials');
    // A configuration dump: passwords inside URLs and keys.
    const smtp = `smtps://coord:${PASSWORD}@mail.example.gov.cn:465`;
    log.info({ cfg: { SMTP_URL: smtp, DATABASE_URL: `postgres://coord:${PASSWORD}@db/coord`, SECRETS_KEY: SECRET, METRICS_TOKEN: SECRET, TEMPORAL_API_KEY: SECRET, LOG_LEVEL: 'debug' } }, 'configuration');
    log.flush();
    const text = out.text();
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const authorized = lines.find((l) => (l.req as { url?: string } | undefined)?.url === `${API_BASE}/auth/me` && (l.res as { statusCode?: number }).statusCode === 200) as {
      req: { headers: Record<string, string> };
    };
    expect(authorized.req.headers.authorization).toBe(REDACTED);
    expect(authorized.req.headers.cookie).toBe(REDACTED);
    expect(lines.find((l) => l.msg === 'fields with credentials')).toMatchObject({
      password: REDACTED,
      body: { webhookSecret: REDACTED, token: REDACTED },
      channels: { eic: { webhookSecret: REDACTED } },
    });
    expect(lines.find((l) => l.msg === 'configuration')).toMatchObject({
      cfg: { SMTP_URL: REDACTED, DATABASE_URL: REDACTED, SECRETS_KEY: REDACTED, METRICS_TOKEN: REDACTED, TEMPORAL_API_KEY: REDACTED, LOG_LEVEL: 'debug' },
    });
    expectClean(text, token);
  });

  test("the HTTP log redacts credential headers even when the app is given a plain pino logger", async () => {
    const out = capture();
    const token = await exercise(appWith(pino({ level: 'debug' }, out.stream)));
    expectClean(out.text(), token);
  });
});
