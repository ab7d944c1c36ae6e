/** `npm run openapi:client`: writes web/src/api/schema.d.ts, the console's types, from the API's OpenAPI document. */
import fs from 'node:fs';
import { clientTypesFile, generateClientTypes } from '../platform/openapi-client';
import { createLogger } from '../platform/logger';

async function main(): Promise<void> {
  fs.writeFileSync(clientTypesFile, await generateClientTypes());
  createLogger({ name: 'openapi-client' }).info({ file: clientTypesFile }, 'console API types written');
}

void main();
