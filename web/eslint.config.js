// ESLint (`npm run lint`, also run by scripts/e2e.sh): ESLint's and typescript-eslint's
// recommended rules everywhere, and the two classic React hooks rules on the page's code.
//
// eslint-plugin-react-hooks 7's `recommended` preset also turns on the React Compiler's rules
// (refs, set-state-in-effect, purity, ...); this Preact page is not built with that compiler,
// so only rules-of-hooks and exhaustive-deps are on. exhaustive-deps is an error, not the
// preset's warning, so that a missing dependency fails the lint (and scripts/e2e.sh).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // Node scripts; the end-to-end suite also runs functions in the page (page.evaluate).
    files: ['*.{js,ts}', 'scripts/**/*.mjs', 'e2e/**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['e2e/**/*.mjs'],
    languageOptions: { globals: globals.browser },
  },
);
