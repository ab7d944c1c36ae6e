// Workflow code is replayed: it must stay deterministic, so Node built-ins and
// non-deterministic APIs are kept out of workflows/ (Temporal's own sandbox
// would fail at run time; this fails at lint time instead).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Value imports: @temporalio/workflow (and its deterministic @temporalio/common) and sibling workflow modules only.
// Anything else (activities, db types) may come in as `import type`.
const TOP_LEVEL = '^(?!@temporalio/(workflow|common)$)(?!\\./)(?!\\.\\./domain/)(?!\\.\\./workflows/definitions$).*';
// One folder down (workflows/item/, domain/item/): also the modules of the folder above, and domain/ two levels up.
const NESTED = '^(?!@temporalio/(workflow|common)$)(?!\\./)(?!\\.\\./[^./]+$)(?!\\.\\./\\.\\./domain/).*';
const restrictedImports = (regex) => [
  'error',
  {
    patterns: [
      {
        regex,
        allowTypeImports: true,
        message: 'Workflow code must be deterministic: workflows/ and domain/ import only @temporalio/workflow, @temporalio/common, sibling modules, the pure rules in domain/, the workflow contract, and types.',
      },
    ],
  },
];

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
      '@typescript-eslint/no-restricted-imports': restrictedImports(TOP_LEVEL),
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
  {
    files: ['workflows/*/**/*.ts', 'domain/*/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restrictedImports(NESTED) },
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
            {
              regex: '^(\\.\\./)+(activities|api|db|platform|notifications|scripts|bench|test|web|workflows)(/|$)',
              message: 'domain/ holds the pure rules: it imports only other domain/ modules.',
            },
          ],
        },
      ],
    },
  },
);
