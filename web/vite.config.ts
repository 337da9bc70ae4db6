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
    // changeOrigin: the runner's dev sign-in answers only requests addressed to its own
    // loopback address (a defence against DNS rebinding), so the proxy sends that Host. xfwd:
    // the proxy says whom it forwards for, and dev sign-in refuses anyone not on this machine
    // (`npm run dev -- --host` opens the dev server to the network).
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: true, xfwd: true },
      '/webhooks': { target: 'http://127.0.0.1:8080', changeOrigin: true, xfwd: true },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    reporters: ['default', './src/test/count-reporter.ts'],
    restoreMocks: true,
  },
});
