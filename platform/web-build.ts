import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from './config';
import { withLock } from './lock';
import type { Logger } from './logger';

/**
 * The web console's production build (web/dist). It is made on first start
 * (or `npm run web:build`) and again whenever the console's sources or the
 * locked packages change: a stale or missing build is rebuilt, never served.
 */
export const webRoot = path.join(projectRoot, 'web');
export const webDist = path.join(webRoot, 'dist');
const stamp = path.join(webDist, '.source-hash');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.name !== 'dist' && e.name !== 'node_modules')
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/** A fingerprint of everything the build reads: the console's files, the pure rules it shares (domain/), and the locked packages. */
export function webSourceHash(): string {
  const hash = crypto.createHash('sha256');
  for (const file of [...sourceFiles(webRoot), ...sourceFiles(path.join(projectRoot, 'domain')), path.join(projectRoot, 'package-lock.json')]) {
    hash.update(path.relative(projectRoot, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function webBuildIsFresh(): boolean {
  return fs.existsSync(path.join(webDist, 'index.html')) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === webSourceHash();
}

/** Builds the console unless the build in web/dist is for exactly these sources. */
export async function ensureWebBuild(log: Logger): Promise<{ built: boolean; ms: number }> {
  const started = Date.now();
  if (webBuildIsFresh()) return { built: false, ms: 0 };
  // Several processes may start at once (the cluster's API processes, test files): one builds, the others wait for it.
  // Outside web/, whose files the fingerprint reads; one lock per clone.
  const lockDir = path.join(os.tmpdir(), `coord-web-build-${crypto.createHash('sha256').update(projectRoot).digest('hex').slice(0, 12)}.lock`);
  return withLock(lockDir, 'the web console', log, async () => {
    if (webBuildIsFresh()) return { built: false, ms: Date.now() - started };
    await buildWeb(log, started);
    return { built: true, ms: Date.now() - started };
  });
}

async function buildWeb(log: Logger, started: number): Promise<void> {
  log.info('web console: building (first start, or its sources changed)');
  const hash = webSourceHash();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: webRoot,
      // Always the production bundle, whoever builds it (jest sets NODE_ENV=test, which antd and React read).
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const progress = setInterval(() => log.info({ elapsedSeconds: Math.round((Date.now() - started) / 1000) }, 'web console: still building'), 15_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(progress);
      if (code === 0) resolve();
      else reject(new Error(`web console build failed (exit ${code}): ${output.slice(-4000)}`));
    });
  });
  fs.writeFileSync(stamp, hash);
  log.info({ ms: Date.now() - started, dist: webDist }, 'web console: built');
}
