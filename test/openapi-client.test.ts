import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../platform/config';
import { clientTypesFile } from '../platform/openapi-client';

/**
 * The console's API types (web/src/api/schema.d.ts) are generated from the
 * OpenAPI document and checked in; CI fails when they are not what the
 * document gives today, so the console and the API cannot drift apart.
 */
test('web/src/api/schema.d.ts is what `npm run openapi:client` writes from the document', () => {
  // In a child process: openapi-typescript is ESM-only, which jest's CommonJS cannot import.
  const check = spawnSync(process.execPath, ['--import', 'tsx', path.join('scripts', 'openapi-client.ts'), '--check'], { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, LOG_PRETTY: 'false' } });
  expect({ file: clientTypesFile, status: check.status, stderr: check.stderr, log: check.stdout.trim() }).toEqual({ file: clientTypesFile, status: 0, stderr: '', log: '' });
});
