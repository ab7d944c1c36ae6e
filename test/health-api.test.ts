import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { createDb, pingDb, type Db } from '../db/connection';
import { pingTemporal } from '../platform/temporal-connection';
import { createTestDatabase } from './helpers/db';
import { silentLog } from './helpers/plans';
import { testRun } from './setup/run';

async function listen(app: ReturnType<typeof createApp>): Promise<{ server: Server; base: string }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('GET /healthz and /readyz', () => {
  let db: Db;
  let connection: Connection;
  let client: Client;
  beforeAll(async () => {
    ({ db } = await createTestDatabase('health'));
    connection = await Connection.connect({ address: testRun().temporalAddress });
    client = new Client({ connection, namespace: 'default' });
  });
  afterAll(async () => {
    await connection.close();
    await db.destroy();
  });

  test('ready when the real database and the real Temporal server both answer', async () => {
    const app = createApp({ log: silentLog, readiness: { database: () => pingDb(db), temporal: () => pingTemporal(client) } });
    const { server, base } = await listen(app);
    try {
      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${base}/readyz`, { headers: { 'x-request-id': 'probe-1' } });
      expect(ready.status).toBe(200);
      expect(ready.headers.get('x-request-id')).toBe('probe-1');
      const body = (await ready.json()) as { status: string; checks: Record<string, { ok: boolean }> };
      expect(body.status).toBe('ok');
      expect(body.checks.database?.ok).toBe(true);
      expect(body.checks.temporal?.ok).toBe(true);
    } finally {
      server.close();
    }
  });

  test('not ready (503, naming the failed check without its error text) when the database does not answer', async () => {
    const dead = createDb('postgres://nobody@127.0.0.1:1/none', { poolMax: 1, log: silentLog });
    const app = createApp({ log: silentLog, readiness: { database: () => pingDb(dead), temporal: () => pingTemporal(client) } });
    const { server, base } = await listen(app);
    try {
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      const text = await ready.text();
      const body = JSON.parse(text) as { status: string; checks: Record<string, { ok: boolean; ms: number }> };
      expect(body.status).toBe('unavailable');
      // Whether and how fast, never why: the driver's error text (address, user) stays out of the public probe.
      expect(body.checks.database).toEqual({ ok: false, ms: expect.any(Number) });
      expect(body.checks.temporal).toEqual({ ok: true, ms: expect.any(Number) });
      expect(text).not.toMatch(/nobody|127\.0\.0\.1:1\b|ECONNREFUSED|error/i);
    } finally {
      server.close();
      await dead.destroy();
    }
  });

  test('/metrics is open without METRICS_TOKEN, and with it answers only the right bearer token', async () => {
    const open = createApp({ log: silentLog, readiness: {} });
    const guarded = createApp({ log: silentLog, readiness: {}, metricsToken: 'scrape-token-0123456789' });
    const a = await listen(open);
    const b = await listen(guarded);
    try {
      const plain = await fetch(`${a.base}/metrics`);
      expect(plain.status).toBe(200);
      expect(await plain.text()).toContain('coord_http_request_duration_seconds');

      for (const authorization of [undefined, 'Bearer wrong', 'Bearer scrape-token-012345678', 'Bearer scrape-token-0123456789x', 'Basic scrape-token-0123456789', 'scrape-token-0123456789']) {
        const res = await fetch(`${b.base}/metrics`, { headers: authorization ? { authorization } : {} });
        expect({ authorization, status: res.status }).toEqual({ authorization, status: 401 });
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await res.text()).not.toContain('coord_http_request_duration_seconds');
      }
      const ok = await fetch(`${b.base}/metrics`, { headers: { authorization: 'Bearer scrape-token-0123456789' } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await ok.text()).toContain('coord_http_request_duration_seconds');
      // Health probes stay open either way.
      expect((await fetch(`${b.base}/healthz`)).status).toBe(200);
    } finally {
      a.server.close();
      b.server.close();
    }
  });

  test('unknown routes and malformed JSON get JSON 4xx errors, never 5xx', async () => {
    const app = createApp({ log: silentLog, readiness: {} });
    const { server, base } = await listen(app);
    try {
      const missing = await fetch(`${base}/nope`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
      const bad = await fetch(`${base}/readyz`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('entity_parse_failed');
    } finally {
      server.close();
    }
  });
});
