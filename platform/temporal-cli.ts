import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Logger } from './logger';
import { goInstall, isExecutable } from './go-build';

const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

export type TemporalCliSource = 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go-build';
export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
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
 * v1.5.1.
 */
export async function buildTemporalCli(opts: { cacheDir: string; version: string; log: Logger }): Promise<TemporalCli> {
  const target = cachedCliPath(opts.cacheDir, opts.version);
  const seconds = await goInstall(
    { what: 'the Temporal CLI', packages: [`${CLI_MODULE}@${opts.version}`], binDir: path.dirname(target), expected: 'about 5 minutes on 2 cores', log: opts.log },
    () => isExecutable(target),
  );
  return { path: target, source: seconds === undefined ? 'cache' : 'go-build' };
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
