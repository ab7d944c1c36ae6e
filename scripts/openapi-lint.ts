/**
 * `npm run lint:openapi`: writes the API's OpenAPI document, built from the route
 * declarations, to a temporary file and lints it with Redocly CLI (redocly.yaml).
 * Exits with the linter's status, so `npm test` fails on any finding.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { API_BASE } from '../api/app';
import { openApiDocument } from '../api/route';
import { apiRoutes } from '../api/routes';
import { projectRoot } from '../platform/config';
import { createLogger } from '../platform/logger';

const log = createLogger({ name: 'openapi-lint' });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coord-openapi-'));
const file = path.join(dir, 'openapi.json');
fs.writeFileSync(file, JSON.stringify(openApiDocument(apiRoutes, API_BASE), null, 2));
const redocly = path.join(projectRoot, 'node_modules', '.bin', 'redocly');
// The machine may have no internet: no telemetry, no update check.
const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
const lint = spawnSync(redocly, ['lint', file, '--config', path.join(projectRoot, 'redocly.yaml')], { stdio: 'inherit', env, cwd: projectRoot });
fs.rmSync(dir, { recursive: true, force: true });
if (lint.status === 0) log.info({ operations: apiRoutes.length }, 'OpenAPI document passes redocly lint');
else log.error({ status: lint.status, signal: lint.signal, error: lint.error?.message }, 'OpenAPI document fails redocly lint');
process.exit(lint.status ?? 1);
