import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../api/app';
import { webBuildIsFresh, webDist, webSourceHash } from '../platform/web-build';
import { silentLog } from './helpers/plans';

/**
 * The console is served by the same app at `/`, from a build that is never
 * stale: a change to its sources makes the build stale, and ensureWebBuild
 * makes it again (the test run's global setup built it).
 */
describe('the web console at /', () => {
  const app = () => createApp({ log: silentLog, readiness: {}, web: { dist: webDist, temporalUiUrl: 'http://localhost:8233', namespace: 'default' } });

  test('index.html at / and at every console route, the built assets, and what the console needs to know', async () => {
    const home = await request(app()).get('/');
    expect(home.status).toBe(200);
    expect(home.text).toContain('<div id="root"></div>');
    expect(home.text).toContain('lang="zh-CN"');
    expect((await request(app()).get('/items/sd-internet-plus-2016-2018/A01-1')).text).toBe(home.text);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(home.text)?.[1];
    expect(script).toBeDefined();
    const asset = await request(app()).get(script as string);
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await request(app()).get('/console.json')).body).toEqual({ temporalUiUrl: 'http://localhost:8233', namespace: 'default' });
  });

  test('the API and the probes keep their own answers: never the console page', async () => {
    const missing = await request(app()).get('/api/v1/no-such-route');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect((await request(app()).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(app()).post('/board')).status).toBe(404);
  });

  test('the production bundle evaluates no strings, as the Content-Security-Policy requires', () => {
    const assets = path.join(webDist, 'assets');
    const scripts = fs.readdirSync(assets).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const f of scripts) expect(fs.readFileSync(path.join(assets, f), 'utf8')).not.toMatch(/\bnew Function\(|\beval\(/);
  });

  test('a change to the console sources makes the build stale', () => {
    expect(webBuildIsFresh()).toBe(true);
    const before = webSourceHash();
    const probe = path.join(path.dirname(webDist), 'src', `.stale-probe-${process.pid}-${os.hostname()}.ts`);
    fs.writeFileSync(probe, 'export {};\n');
    try {
      expect(webSourceHash()).not.toBe(before);
      expect(webBuildIsFresh()).toBe(false);
    } finally {
      fs.rmSync(probe);
    }
    expect(webBuildIsFresh()).toBe(true);
  });
});
