import path from 'node:path';
import { defineConfig } from 'vite';

/** The console's build: `npm run web:build` (and `npm start` when the build is missing or stale) writes web/dist. */
export default defineConfig({
  root: __dirname,
  base: '/',
  build: { outDir: path.join(__dirname, 'dist'), emptyOutDir: true, chunkSizeWarningLimit: 4096, sourcemap: false },
  // The API in development: `npm start` serves the API on 3000; `vite` on 5173 proxies to it.
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/readyz': 'http://127.0.0.1:3000' } },
});
