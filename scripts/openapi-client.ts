/**
 * `npm run openapi:client`: writes web/src/api/schema.d.ts, the console's types, from the API's OpenAPI document.
 * With `--check` it writes nothing and exits 1 when the file is not what the document gives today (the test runs this:
 * openapi-typescript is ESM-only, which jest's CommonJS cannot load).
 */
import fs from 'node:fs';
import { clientTypesFile, generateClientTypes, writtenClientTypes } from '../platform/openapi-client';
import { createLogger } from '../platform/logger';

async function main(): Promise<void> {
  const log = createLogger({ name: 'openapi-client' });
  const types = await generateClientTypes();
  if (!process.argv.includes('--check')) {
    fs.writeFileSync(clientTypesFile, types);
    log.info({ file: clientTypesFile }, 'console API types written');
  } else if (writtenClientTypes() !== types) {
    log.error({ file: clientTypesFile }, 'console API types are stale: run `npm run openapi:client`');
    process.exitCode = 1;
  }
}

void main();
