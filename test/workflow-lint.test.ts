import { lintRules } from './helpers/lint';

/** The lint rule that keeps workflow code deterministic really fires on workflow files, and only there. */
describe('lint rule for workflows/', () => {
  const lint = lintRules;

  test('Node built-ins, other packages and timers are refused in workflows/', async () => {
    expect(await lint(`import fs from 'node:fs';\nexport const x = fs;\n`, 'workflows/bad.ts')).toContain('@typescript-eslint/no-restricted-imports');
    expect(await lint(`import http from 'http';\nexport const x = http;\n`, 'workflows/bad.ts')).toContain('@typescript-eslint/no-restricted-imports');
    expect(await lint(`import knex from 'knex';\nexport const x = knex;\n`, 'workflows/bad.ts')).toContain('@typescript-eslint/no-restricted-imports');
    expect(await lint(`export const t = setTimeout(() => 1, 5);\n`, 'workflows/bad.ts')).toContain('no-restricted-globals');
    expect(await lint(`export const e = process.env.X;\n`, 'workflows/bad.ts')).toContain('no-restricted-globals');
  });

  test('the workflow SDK and type-only imports are allowed', async () => {
    const ok = `import { sleep } from '@temporalio/workflow';\nimport type { Activities } from '../activities';\nexport async function w(): Promise<Activities | undefined> { await sleep(1); return undefined; }\n`;
    expect(await lint(ok, 'workflows/ok.ts')).toEqual([]);
  });

  test('the same imports are fine outside workflows/', async () => {
    expect(await lint(`import fs from 'node:fs';\nexport const x = fs;\n`, 'activities/ok.ts')).toEqual([]);
  });
});
