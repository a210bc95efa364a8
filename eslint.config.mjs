// ESLint (flat config): the layers of the code base, checked by a machine, plus the recommended correctness rules
// of ESLint and typescript-eslint. No stylistic rules here: formatting is Prettier's (.prettierrc.json).
//
//   src/core       pure domain code: may not import vscode, the LSP packages, src/shared, server, extension, cli
//   src/shared     what client and server both import: only the core and vscode-jsonrpc's message classes
//   src/server     the language server: no vscode, no extension, no cli; its language service no transport
//   src/extension  the VS Code client: no server, no cli
//   src/cli        the `chargeback` command: no vscode, no LSP, no server, no extension
//   webview        pages inside webviews: no vscode, no LSP, no server, extension or cli
// and no import cycles, neither between modules (import-x/no-cycle) nor between folders (chargeback/no-folder-cycle).
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import chargeback from './scripts/lint/eslintPlugin.mjs';

const VSCODE = { name: 'vscode', message: 'Only src/extension (and the integration tests) may use the VS Code API.' };
const LSP = ['vscode-languageserver', 'vscode-languageserver/*', 'vscode-languageclient', 'vscode-languageclient/*'];
const LSP_ALL = [...LSP, 'vscode-languageserver-*', 'vscode-jsonrpc', 'vscode-jsonrpc/*'];

/** A no-restricted-imports setting: these packages, and these import patterns. */
function restricted(paths, patterns = []) {
  return ['error', { paths, patterns }];
}

/** An import-x/no-restricted-paths zone: files under `target` may not import from any of `from`. */
function zone(target, from, message) {
  return { target, from, message };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      'samples/**',
      '.vscode-test/**',
      'bench-results/**',
      'test-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX, chargeback },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'] })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'chargeback/no-folder-cycle': ['error', { root: 'src' }],
      // Rules the code does not follow today and that say nothing about correctness here: `(overflow = true) &&
      // false` (set, then return false) and `(seen.add(f), out.push(f))` are deliberate.
      'no-constant-binary-expression': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted([VSCODE], [{ group: LSP_ALL, message: 'The core knows nothing of LSP.' }]),
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            zone(
              './src/core',
              ['./src/shared', './src/server', './src/extension', './src/cli'],
              'The core is the bottom layer: it may not import the layers built on it.',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted(
        [VSCODE],
        [
          {
            group: [...LSP, 'vscode-languageserver-*'],
            message: 'src/shared is bundled into client and server: use the message classes of vscode-jsonrpc only.',
          },
        ],
      ),
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            zone(
              './src/shared',
              ['./src/server', './src/extension', './src/cli'],
              'src/shared sits between the core and the two sides: it may not import either side.',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted(
        [VSCODE],
        [{ group: ['vscode-languageclient', 'vscode-languageclient/*'], message: 'The server is not the client.' }],
      ),
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            zone(
              './src/server',
              ['./src/extension', './src/cli'],
              'The server may not import the extension or the CLI.',
            ),
            zone(
              './src/server/service',
              ['./src/server/handlers', './src/server/server.ts'],
              'The language service is transport-free: the handlers use it, never the other way round.',
            ),
            zone(
              './src/server/billing',
              ['./src/server/handlers', './src/server/server.ts', './src/server/service'],
              'A feature is used by the language service and knows no handler: a request handler goes in handlers/.',
            ),
            zone(
              './src/server/rules',
              ['./src/server/handlers', './src/server/server.ts', './src/server/service'],
              'A feature is used by the language service and knows no handler: a request handler goes in handlers/.',
            ),
          ],
        },
      ],
    },
  },
  {
    // The language service and its features know no connection (they are unit-tested without one).
    files: ['src/server/service/**/*.ts', 'src/server/billing/**/*.ts', 'src/server/rules/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted(
        [VSCODE],
        [
          {
            group: ['vscode-languageserver/node', 'vscode-languageclient', 'vscode-languageclient/*'],
            message:
              'The language service is transport-free: only src/server/handlers and server.ts use the connection.',
          },
        ],
      ),
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted(
        [],
        [
          {
            group: ['vscode-languageserver', 'vscode-languageserver/*'],
            message: 'The client talks to the server through src/shared/protocol.ts, never by importing it.',
          },
        ],
      ),
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            zone(
              './src/extension',
              ['./src/server', './src/cli'],
              'The extension may not import the server or the CLI.',
            ),
          ],
        },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted(
        [VSCODE],
        [{ group: LSP_ALL, message: 'The CLI runs without VS Code and LSP.' }],
      ),
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            zone('./src/cli', ['./src/server', './src/extension', './src/shared'], 'The CLI uses the core directly.'),
          ],
        },
      ],
    },
  },
  {
    // Code that runs inside a webview (a browser page): it talks to the extension only through the messages of
    // src/shared (a webview protocol module there), never by importing the extension, the server or `vscode`.
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': restricted(
        [{ name: 'vscode', message: 'A webview has no VS Code API but acquireVsCodeApi().' }],
        [{ group: LSP_ALL, message: 'A webview does not speak LSP.' }],
      ),
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            zone('./webview', ['./src/server', './src/extension', './src/cli'], 'A webview imports only src/shared.'),
          ],
        },
      ],
    },
  },
  {
    // The demo hands functions to the browser page it drives (playwright): they run where `document` exists.
    files: ['scripts/demo.mjs'],
    languageOptions: { globals: { document: 'readonly' } },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        setImmediate: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
);
