import { lintRules } from './helpers/lint';

/** The lint rule that keeps the layers pointing one way fires across a layer, on type imports too, and not within one. */
describe('lint rule for the layers', () => {
  const lint = lintRules;

  test('api/ imports nothing from activities/, not even a type, nor through a re-export', () => {
    expect(lint(`import { chineseDate } from '../../activities/notifications';\nexport const x = chineseDate;\n`, 'api/routes/bad.ts')).toContain('no-restricted-imports');
    expect(lint(`import type { Activities } from '../activities';\nexport type X = Activities;\n`, 'api/bad.ts')).toContain('no-restricted-imports');
    expect(lint(`export { createActivities } from '../activities';\n`, 'api/bad.ts')).toContain('no-restricted-imports');
    expect(lint(`import { chineseDate } from '../../domain/words';\nexport const x = chineseDate;\n`, 'api/routes/ok.ts')).toEqual([]);
  });

  test('domain/ imports no other layer', () => {
    for (const layer of ['activities', 'api/schemas', 'db/connection', 'platform/logger', 'notifications', 'workflows/lock']) {
      expect(lint(`import type { X } from '../${layer}';\nexport type Y = X;\n`, 'domain/bad.ts')).toContain('no-restricted-imports');
    }
    expect(lint(`import type { Db } from '../../db/connection';\nexport type X = Db;\n`, 'domain/item/bad.ts')).toContain('no-restricted-imports');
    expect(lint(`import { shiftDays } from './calendar';\nexport const x = shiftDays;\n`, 'domain/ok.ts')).toEqual([]);
  });

  test('notifications/ stays below the activities, the API and the workflows', () => {
    expect(lint(`import type { Activities } from '../activities';\nexport type X = Activities;\n`, 'notifications/bad.ts')).toContain('no-restricted-imports');
    expect(lint(`import type { ItemState } from '../workflows/definitions';\nexport type X = ItemState;\n`, 'notifications/bad.ts')).toContain('no-restricted-imports');
    expect(lint(`import type { Logger } from '../platform/logger';\nexport type X = Logger;\n`, 'notifications/ok.ts')).toEqual([]);
  });

  test('the layers above may import activities/', () => {
    expect(lint(`import type { Activities } from '../activities';\nexport type X = Activities;\n`, 'platform/ok.ts')).toEqual([]);
  });
});
