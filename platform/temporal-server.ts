import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Logger } from './logger';
import { portAccepts, processAlive } from './processes';
import { ITEM_SEARCH_ATTRIBUTES } from '../workflows/definitions';
import { devServerSearchAttributeArgs } from './search-attributes';
import type { TemporalCli } from './temporal-cli';

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cli?: TemporalCli;
  dataDir: string;
  namespace: string;
  port: number;
  uiPort: number;
  log: Logger;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal server exited early with code ${child.exitCode}`);
    if (await portAccepts(port)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`temporal server did not listen on ${port} within ${timeoutMs / 1000}s`);
}

/** A server left by a start that was killed outright (SIGKILL) would hold the port and the SQLite file. */
async function stopLeftoverServer(pidFile: string, log: Logger): Promise<void> {
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  const cmdline = (() => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  })();
  if (pid && processAlive(pid) && cmdline.includes('start-dev')) {
    log.warn({ pid }, 'stopping a Temporal dev server left behind by an earlier start');
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 60 && processAlive(pid); i++) await new Promise((r) => setTimeout(r, 250));
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  fs.rmSync(pidFile, { force: true });
}

/** Forwards the dev server's JSON log lines into pino at their own level. */
function pipeServerLogs(child: ChildProcess, log: Logger): void {
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as { level?: string; msg?: string };
        const level = entry.level === 'error' ? 'error' : entry.level === 'warn' ? 'warn' : 'debug';
        log[level]({ server: entry }, entry.msg ?? 'temporal server');
      } catch {
        log.debug({ line }, 'temporal server');
      }
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
}

/**
 * Runs `temporal server start-dev` with a persistent SQLite file under the data
 * directory and the Web UI on its own port. Without a CLI binary (no Go on
 * this machine) it uses the SDK's downloaded dev server instead.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const log = opts.log.child({ component: 'temporal-server' });
  const dir = path.join(opts.dataDir, 'temporal');
  fs.mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, 'server.pid');
  await stopLeftoverServer(pidFile, log);
  if (await portAccepts(opts.port)) {
    throw new Error(
      `TEMPORAL_DEV_PORT ${opts.port} is already in use: set TEMPORAL_ADDRESS=127.0.0.1:${opts.port} to use that server, or choose another port`,
    );
  }
  const dbFilename = path.join(dir, 'temporal.sqlite');
  const address = `127.0.0.1:${opts.port}`;
  const uiUrl = `http://127.0.0.1:${opts.uiPort}`;

  if (!opts.cli) {
    log.info('starting the Temporal dev server downloaded by the SDK');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { dbFilename, namespace: opts.namespace, ip: '127.0.0.1', port: opts.port, ui: true, uiPort: opts.uiPort, searchAttributes: ITEM_SEARCH_ATTRIBUTES },
    });
    return { address, uiUrl, stop: () => env.teardown() };
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--db-filename',
    dbFilename,
    '--namespace',
    opts.namespace,
    '--log-format',
    'json',
    '--log-level',
    'warn',
    ...devServerSearchAttributeArgs(),
  ];
  log.info({ cli: opts.cli.path, dbFilename }, 'starting temporal server start-dev');
  // Its own process group: Ctrl-C reaches only us, and we stop the server
  // after the worker has drained rather than under its feet.
  const child = spawn(opts.cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid) fs.writeFileSync(pidFile, String(child.pid));
  pipeServerLogs(child, log);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      fs.rmSync(pidFile, { force: true });
      resolve();
    }),
  );
  try {
    await waitForPort(opts.port, child, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl,
    stop: async () => {
      if (child.exitCode !== null) return;
      log.info('stopping the Temporal dev server');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
