/** `npm run plan:schema`: writes plans/plan.schema.json from the zod schema, the one source of truth. */
import fs from 'node:fs';
import path from 'node:path';
import { planJsonSchema } from '../db/catalog/plan-schema';
import { projectRoot } from '../platform/config';
import { createLogger } from '../platform/logger';

const file = path.join(projectRoot, 'plans', 'plan.schema.json');
fs.writeFileSync(file, `${JSON.stringify(planJsonSchema(), null, 2)}\n`);
createLogger({ name: 'plan-schema' }).info({ file }, 'JSON Schema written');
