/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// Preact through Vite's own JSX transform (no Babel plugin): `jsxImportSource: preact` in
// tsconfig.json is what Vite reads. `npm run dev` proxies the API to a runner on :8080.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/webhooks': 'http://127.0.0.1:8080',
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    reporters: ['default', './src/test/count-reporter.ts'],
    restoreMocks: true,
  },
});
