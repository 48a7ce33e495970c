import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

/**
 * The layers of src/, bottom to top: each folder may import itself and the folders listed for it, nothing above.
 * client is the published TS client and may only lean on shared (plus type-only imports of the domain types it
 * hands out); cli sits on top of everything (but should prefer
 * platform and client).
 */
const layers = {
  shared: [],
  db: ['shared'],
  artifacts: ['shared'],
  search: ['shared', 'db'],
  security: ['shared', 'db', 'search'],
  events: ['shared', 'db', 'search', 'security'],
  tracking: ['shared', 'db', 'search', 'artifacts', 'security'],
  registry: ['shared', 'db', 'search', 'artifacts', 'security', 'events', 'tracking'],
  // Statistics, profiles, monitors and alerts; the statistics (monitoring/stats) need only shared, the monitors
  // (monitoring/service) store in db, record events and resolve registered models and aliases.
  monitoring: ['shared', 'db', 'search', 'artifacts', 'security', 'events', 'tracking', 'registry'],
  // The pipeline document, its checks, DAG and DSL, and the local executor (store, runs, caching).
  pipelines: ['shared', 'db', 'search', 'artifacts', 'security', 'events', 'tracking', 'registry'],
  platform: [
    'shared',
    'db',
    'search',
    'artifacts',
    'security',
    'events',
    'tracking',
    'registry',
    'monitoring',
    'pipelines',
  ],
  client: ['shared'],
  server: [
    'shared',
    'db',
    'search',
    'artifacts',
    'security',
    'events',
    'tracking',
    'registry',
    'monitoring',
    'pipelines',
    'platform',
  ],
  cli: [
    'shared',
    'db',
    'search',
    'artifacts',
    'security',
    'events',
    'tracking',
    'registry',
    'pipelines',
    'monitoring',
    'platform',
    'client',
    'server',
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'bosun-data/**', 'bench/results/**', '**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    // Type-aware rules (the exhaustive-switch check needs the types of what is switched on).
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // A switch over a union names every member (or has a default); adding a state breaks the build where it is unhandled.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The web UI (web/, built by Vite, see docs/ui.md): the same strictness as src/, with its own tsconfig.
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    languageOptions: {
      parserOptions: { project: 'web/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The fences: a folder imports only the layers below it (`layers` above), and another folder only through
    // an index.ts. Tests and test-support may reach anywhere. src/shared/lint-fences.test.ts proves they bite.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/**/test-support/**'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': Object.keys(layers).map((type) => ({ type, pattern: `src/${type}` })),
      'import/resolver': { typescript: { project: 'tsconfig.json' }, node: true },
    },
    rules: {
      'boundaries/element-types': [
        'error',
        {
          default: 'disallow',
          rules: [
            ...Object.entries(layers).map(([from, allow]) => ({ from, allow: [from, ...allow] })),
            // The client hands out the server's own domain types: type-only imports (erased at build, no server code
            // in a browser bundle), so the two never drift apart.
            { from: 'client', allow: ['tracking', 'registry'], importKind: 'type' },
          ],
        },
      ],
      'boundaries/entry-point': [
        'error',
        { default: 'disallow', rules: [{ target: Object.keys(layers), allow: '**/index.ts' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
