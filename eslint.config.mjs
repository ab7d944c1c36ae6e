// Workflow code is replayed: it must stay deterministic, so Node built-ins and
// non-deterministic APIs are kept out of workflows/ (Temporal's own sandbox
// would fail at run time; this fails at lint time instead).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      // Value imports: @temporalio/workflow (and its deterministic @temporalio/common) and sibling workflow modules only.
      // Anything else (activities, db types) may come in as `import type`.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/(workflow|common)$)(?!\\./)(?!\\.\\./domain/)(?!\\.\\./workflows/definitions$).*',
              allowTypeImports: true,
              message: 'Workflow code must be deterministic: workflows/ and domain/ import only @temporalio/workflow, @temporalio/common, sibling modules, the pure rules in domain/, the workflow contract, and types.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() or condition() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow.' },
        { name: 'process', message: 'No environment access in workflow code; pass values in as arguments.' },
        { name: 'fetch', message: 'I/O belongs in activities.' },
        { name: 'require', message: 'Use import.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'crypto', property: 'randomUUID', message: 'Use uuid4() from @temporalio/workflow.' },
        { object: 'crypto', property: 'getRandomValues', message: 'Use uuid4() or the workflow random.' },
      ],
    },
  },
  // Layers point one way: the API and the notifications never reach into the activities, and the pure
  // rules in domain/ import nothing but each other. Type imports count too: a type pulled across a layer
  // drags its module's meaning with it. (The base rule, so the determinism rule above stays as it is.)
  {
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+activities(/|$)', message: 'api/ does not import activities/: shared wording and dates live in domain/, notifications in notifications/.' }] },
      ],
    },
  },
  {
    files: ['notifications/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(\\.\\./)+(activities|api|workflows)(/|$)', message: 'notifications/ sits below the activities and the API: it imports domain/, db/ and platform/ only.' }] },
      ],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            // workflows/definitions is still allowed until the item's state types move to domain/item/ (issue 20).
            {
              regex: '^(\\.\\./)+(activities|api|db|platform|notifications|scripts|bench|test|web)(/|$)|^(\\.\\./)+workflows(?!/definitions$)(/|$)',
              message: 'domain/ holds the pure rules: it imports only other domain/ modules (and, for now, the workflow contract in workflows/definitions).',
            },
          ],
        },
      ],
    },
  },
);
