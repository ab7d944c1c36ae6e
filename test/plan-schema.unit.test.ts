import fs from 'node:fs';
import path from 'node:path';
import { planJsonSchema } from '../db/catalog/plan-schema';
import { projectRoot } from '../platform/config';

test('plans/plan.schema.json is the JSON Schema of the zod schema (run `npm run plan:schema` after changing it)', () => {
  const committed = JSON.parse(fs.readFileSync(path.join(projectRoot, 'plans', 'plan.schema.json'), 'utf8'));
  expect(committed).toEqual(JSON.parse(JSON.stringify(planJsonSchema())));
  expect(committed.required).toEqual(expect.arrayContaining(['format', 'plan', 'departments', 'actions']));
});
