import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger';
import { withLock } from './lock';

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface GoBuild {
  /** What is built, for the log: 'the Temporal CLI'. */
  what: string;
  /** `module/path/cmd/x@version` for each binary, built in one `go install`. */
  packages: string[];
  /** Where the binaries end up; each is the last path element of its package, renamed as given. */
  binDir: string;
  /** Package name (the last path element) to the file name it gets in binDir. */
  rename?: Record<string, string>;
  /** Told to the user with the first progress line. */
  expected: string;
  log: Logger;
}

/**
 * `go install` into the cache, with progress every 15 s. Builds into a
 * temporary GOBIN and renames, so an interrupted build never leaves a
 * half-written binary; a lock directory keeps two clones from building at
 * once (the second waits and then finds the binaries). Answers the seconds the
 * build took, or undefined when another process had built them meanwhile.
 */
export async function goInstall(build: GoBuild, built: () => boolean): Promise<number | undefined> {
  const { log } = build;
  const versionDir = path.dirname(build.binDir);
  fs.mkdirSync(versionDir, { recursive: true });
  return withLock(path.join(versionDir, 'build.lock'), build.what, log, async () => {
    if (built()) return undefined;
    const tmpBin = fs.mkdtempSync(path.join(versionDir, 'bin-'));
    log.info({ packages: build.packages, into: build.binDir }, `${build.what} not found: building it from Go modules (first time on this machine only; ${build.expected})`);
    const started = Date.now();
    let packages = 0;
    let lastLine = '';
    const ticker = setInterval(() => {
      const elapsed = Math.round((Date.now() - started) / 1000);
      log.info({ elapsedSeconds: elapsed, packagesCompiled: packages, last: lastLine }, `still building ${build.what}`);
    }, 15_000);
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn('go', ['install', '-v', ...build.packages], {
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
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install exited with ${code}: ${stderrTail.trim()}`))));
      });
    } finally {
      clearInterval(ticker);
    }
    fs.mkdirSync(build.binDir, { recursive: true });
    for (const file of fs.readdirSync(tmpBin)) fs.renameSync(path.join(tmpBin, file), path.join(build.binDir, build.rename?.[file] ?? file));
    fs.rmSync(tmpBin, { recursive: true, force: true });
    const seconds = Math.round((Date.now() - started) / 1000);
    log.info({ seconds, binDir: build.binDir }, `${build.what} built and cached`);
    return seconds;
  });
}
