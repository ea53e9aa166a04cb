// Type-aware lint for every workspace. Each package's tsconfig.json is found by the project service.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'bench/results/**',
      '**/*.config.js',
      '**/*.config.mjs',
      '**/build.mjs',
      // The `npm test` runner and its type-check step: plain node, no types to check (as the build scripts).
      'test/run-all.mjs',
      'test/typecheck-all.mjs',
      '.dependency-cruiser.cjs',
      // An app outside this repository's settings, type-checked by test/package-fixture/package.test.ts.
      'test/package-fixture/app/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error', 'info'] }],
    },
  },
  {
    // The core announces its own writes (sw/src/core/storage/changes.ts): a read-write transaction or a shortcut
    // write begun anywhere else would leave the in-memory read answers (core/read-memo.ts) stale.
    files: ['sw/src/**/*.ts'],
    ignores: ['sw/src/core/storage/changes.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='transaction'] > Literal[value='readwrite']",
          message: 'Begin read-write transactions with writeTx/rawWriteTx (core/storage/changes.ts).',
        },
        {
          selector:
            "CallExpression[callee.property.name=/^(put|add|delete|clear)$/][callee.object.type='MemberExpression'][callee.object.property.name='db']",
          message: 'Write through writeOne/writeTx (core/storage/changes.ts), which announce the write.',
        },
        {
          selector:
            "CallExpression[callee.property.name='close'][callee.object.type='MemberExpression'][callee.object.property.name='db']",
          message: 'Close a partition with closePartition (core/storage/db.ts), which ends its write stamps.',
        },
      ],
    },
  },
  {
    // worker/ is glue: it talks to the core through the Engine facade only, never through its stores.
    files: ['sw/src/worker/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name=/^(ctx|db)$/][object.name='engine']",
          message: 'worker/ uses the Engine facade (core/engine.ts), not its internals.',
        },
      ],
    },
  },
);
