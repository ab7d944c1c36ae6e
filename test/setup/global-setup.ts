/**
 * One real Temporal dev server and one PostgreSQL server for the whole run.
 * Temporal: the project's own CLI (found or built with Go, the SDK's download
 * where there is no Go), started through @temporalio/testing's createLocal.
 * PostgreSQL: DATABASE_URL's server, or an embedded one where none is given;
 * each test file then makes a database of its own on it (test/helpers/db.ts),
 * named after this run, so runs never collide.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startEmbeddedPostgres } from '../../db/embedded-postgres';
import { loadConfig } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { ensureTemporalCli } from '../../platform/temporal-cli';
import { ensureWebBuild } from '../../platform/web-build';
import { workflowsPath } from '../../platform/worker';
import { ITEM_SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { TEST_NAMESPACE_LABELS, testNamespace } from './namespaces';
import type { TestRun } from './run';

export default async function globalSetup(): Promise<void> {
  const cfg = loadConfig();
  const log = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'info', pretty: 'false', name: 'test-setup' });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-test-'));
  // As root, an embedded PostgreSQL runs as the `postgres` user, who must reach its directory.
  fs.chmodSync(runDir, 0o755);
  const runId = `${Date.now().toString(36)}_${process.pid}`;

  log.info('test setup: finding or building the Temporal CLI');
  const cli = await ensureTemporalCli({ cacheDir: cfg.cacheDir, version: cfg.TEMPORAL_CLI_VERSION, explicit: cfg.TEMPORAL_CLI, log });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ...(cli ? { executable: { type: 'existing-path', path: cli.path } } : {}),
      ip: '127.0.0.1',
      ui: false,
      log: { format: 'json', level: 'error' },
      searchAttributes: ITEM_SEARCH_ATTRIBUTES,
      extraArgs: TEST_NAMESPACE_LABELS.flatMap((label) => ['--namespace', testNamespace(label)]),
    },
  });
  log.info({ address: env.address, cli: cli?.path ?? 'sdk-download' }, 'test setup: Temporal dev server up');

  let adminUrl = cfg.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    log.info('test setup: no DATABASE_URL, starting an embedded PostgreSQL for this run');
    const pg = await startEmbeddedPostgres({ dataDir: path.join(runDir, 'pg'), port: 56000 + Math.floor(Math.random() * 2000), log });
    adminUrl = pg.url;
    stopEmbedded = pg.stop;
  }

  // Once for the run: test files that serve the console must not build it at the same time.
  log.info('test setup: building the web console if missing or stale');
  await ensureWebBuild(log);

  log.info('test setup: bundling workflows once for all test files');
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
  const bundlePath = path.join(runDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  const run: TestRun = { runId, temporalAddress: env.address, adminUrl, bundlePath, runDir };
  process.env.COORD_TEST_RUN = JSON.stringify(run);
  (globalThis as Record<string, unknown>).__coordTestTeardown = async () => {
    await env.teardown();
    if (stopEmbedded) await stopEmbedded();
    fs.rmSync(runDir, { recursive: true, force: true });
  };
}
