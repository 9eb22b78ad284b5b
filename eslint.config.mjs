// @ts-check
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first (README, Architecture). A folder may import only from folders of
 * a lower layer: never up, never sideways, so no two folders import each other and there is no cycle
 * between folders. A new dependency between two domains of the same layer means moving one of them
 * up a layer; src/*.ts (main, app.module, app.setup, openapi) sit on top and nothing imports them.
 */
const LAYERS = [
  ['platform/common'], // the floor: errors, pagination, durations, hashing, logging, validators; no database
  ['platform/config'],
  ['platform/prisma', 'platform/redis'],
  ['platform/auth'],
  ['platform/audit', 'platform/health', 'platform/http'],
  ['tenancy'], // the tenancy core: memberships, roles, user rows
  ['domains/object-permissions', 'domains/budgets', 'domains/spend', 'domains/workflows'],
  ['domains/organizations', 'domains/tags', 'domains/access-groups', 'domains/customers'],
  ['domains/teams'],
  ['domains/projects'],
  ['domains/keys'],
  ['domains/invitations', 'scheduler', 'domains/gateway'],
  ['domains/mcp'], // MCP reuses the gateway's request checks, rate limiter and the spend ledger
  ['domains/users'],
];

const layerZones = LAYERS.flatMap((layer, rank) =>
  layer.map((folder) => {
    const notBelow = LAYERS.slice(rank)
      .flat()
      .filter((other) => other !== folder);
    return {
      target: `./src/${folder}`,
      from: [...notBelow.map((other) => `./src/${other}/**`), './src/*.ts'],
      message: `src/${folder} may import only from a lower layer (${LAYERS.slice(0, rank).flat().join(', ') || 'none'}); see LAYERS in eslint.config.mjs`,
    };
  }),
);

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'jest.config.js',
      'eslint.config.mjs',
      'scripts/**',
      'bench/**/*.mjs',
      'bench/**/*.cjs',
      'test/fakes/**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
    },
  },
  {
    // A spec may wire up whatever it tests; the layers are about what the app imports.
    files: ['src/**/*.spec.ts'],
    rules: { 'import-x/no-restricted-paths': 'off' },
  },
  {
    files: ['prisma.config.ts', 'test/**/*.ts', 'bench/**/*.ts', 'src/**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
