import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger';
import { processAlive } from './processes';

const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

export type TemporalCliSource = 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go-build';
export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function cachedCliPath(cacheDir: string, version: string): string {
  return path.join(cacheDir, 'temporal-cli', version, 'bin', 'temporal');
}

/** The CLI already on this machine, in the documented order, without building anything. */
export function locateTemporalCli(opts: { cacheDir: string; version: string; explicit?: string }): TemporalCli | undefined {
  if (opts.explicit) {
    if (!isExecutable(opts.explicit)) throw new Error(`TEMPORAL_CLI=${opts.explicit} is not an executable file`);
    return { path: opts.explicit, source: 'TEMPORAL_CLI' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const cached = cachedCliPath(opts.cacheDir, opts.version);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

export function goAvailable(): boolean {
  const res = spawnSync('go', ['version'], { encoding: 'utf8' });
  return res.status === 0;
}

/**
 * Builds the Temporal CLI with `go install` into the cache. Tags from v1.6.0
 * on carry a `replace` directive and cannot be go-installed, hence the pinned
 * v1.5.1. Builds into a temporary GOBIN and renames, so an interrupted build
 * never leaves a half-written binary; a lock directory keeps two clones from
 * building at once.
 */
export async function buildTemporalCli(opts: { cacheDir: string; version: string; log: Logger }): Promise<TemporalCli> {
  const { log } = opts;
  const target = cachedCliPath(opts.cacheDir, opts.version);
  const versionDir = path.dirname(path.dirname(target));
  fs.mkdirSync(versionDir, { recursive: true });
  const lockDir = path.join(versionDir, 'build.lock');
  await acquireLock(lockDir, log);
  try {
    if (isExecutable(target)) return { path: target, source: 'cache' };
    const tmpBin = fs.mkdtempSync(path.join(versionDir, 'bin-'));
    log.info(
      { module: `${CLI_MODULE}@${opts.version}`, into: target },
      'Temporal CLI not found: building it from Go modules (first time on this machine only; about 5 minutes on 2 cores)',
    );
    const started = Date.now();
    let packages = 0;
    let lastLine = '';
    const ticker = setInterval(() => {
      const elapsed = Math.round((Date.now() - started) / 1000);
      log.info({ elapsedSeconds: elapsed, packagesCompiled: packages, last: lastLine }, 'still building the Temporal CLI');
    }, 15_000);
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn('go', ['install', '-v', `${CLI_MODULE}@${opts.version}`], {
          env: { ...process.env, GOBIN: tmpBin, GOFLAGS: process.env.GOFLAGS ?? '-buildvcs=false' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const onOutput = (chunk: Buffer) => {
          for (const line of chunk.toString('utf8').split('\n')) {
            if (!line.trim()) continue;
            lastLine = line.trim();
            if (!line.startsWith('go: ')) packages += 1;
          }
        };
        child.stdout.on('data', onOutput);
        let stderrTail = '';
        child.stderr.on('data', (chunk: Buffer) => {
          onOutput(chunk);
          stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
        });
        child.on('error', reject);
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`go install exited with ${code}: ${stderrTail.trim()}`)),
        );
      });
    } finally {
      clearInterval(ticker);
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(path.join(tmpBin, 'temporal'), target);
    fs.rmSync(tmpBin, { recursive: true, force: true });
    log.info({ seconds: Math.round((Date.now() - started) / 1000), path: target }, 'Temporal CLI built and cached');
    return { path: target, source: 'go-build' };
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

async function acquireLock(lockDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(lockDir, 'pid');
  for (let waited = 0; ; waited += 1) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(pidFile, String(process.pid));
      return;
    } catch {
      const holder = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : 0);
      if (!holder || !processAlive(holder)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (waited % 15 === 0) log.info({ holderPid: holder }, 'another process is building the Temporal CLI; waiting');
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

/**
 * The project's setup step: a CLI found or built, or undefined where there is
 * no Go, in which case callers fall back to the SDK's own download.
 */
export async function ensureTemporalCli(opts: {
  cacheDir: string;
  version: string;
  explicit?: string;
  log: Logger;
}): Promise<TemporalCli | undefined> {
  const found = locateTemporalCli(opts);
  if (found) {
    opts.log.debug({ cli: found.path, source: found.source }, 'using Temporal CLI');
    return found;
  }
  if (!goAvailable()) {
    opts.log.warn("no Temporal CLI and no Go toolchain: falling back to the Temporal SDK's own download (needs internet)");
    return undefined;
  }
  return buildTemporalCli(opts);
}
