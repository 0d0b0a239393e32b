import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The console: Preact (JSX compiled by Vite's esbuild, no Babel), built to ../dist/console-app, which Kith serves at `/`.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/console-app', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 300,
  },
});
