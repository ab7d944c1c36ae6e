import { lintRules } from './helpers/lint';

/** The workflow lint rule one folder down (workflows/item/, domain/item/): the same refusals, with the folder above as siblings. */
describe('lint rule for workflows/item/ and domain/item/', () => {
  const lint = lintRules;
  const refused = '@typescript-eslint/no-restricted-imports';

  test('other packages and value imports from activities/ are refused', () => {
    expect(lint(`import knex from 'knex';\nexport const x = knex;\n`, 'workflows/item/bad.ts')).toContain(refused);
    expect(lint(`import { createActivities } from '../../activities';\nexport const x = createActivities;\n`, 'workflows/item/bad.ts')).toContain(refused);
    expect(lint(`import { z } from 'zod';\nexport const x = z;\n`, 'domain/item/bad.ts')).toContain(refused);
  });

  test('the workflow contract, the lock, domain/ and type-only imports are allowed', () => {
    const ok = [
      `import { patched } from '@temporalio/workflow';`,
      `import * as d from '../definitions';`,
      `import { Lock } from '../lock';`,
      `import { isOpen } from '../../domain/ladder';`,
      `import type { Activities } from '../../activities';`,
      `export const x: [unknown, unknown, unknown, unknown, Activities | undefined] = [patched, d, Lock, isOpen, undefined];`,
    ].join('\n');
    expect(lint(`${ok}\n`, 'workflows/item/ok.ts')).toEqual([]);
    expect(lint(`import { TEXT_LIMITS } from '../text';\nexport const x = TEXT_LIMITS;\n`, 'domain/item/ok.ts')).toEqual([]);
  });
});
