import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = fileURLToPath(new URL('.', import.meta.url));

// The bundle is served by the server at /ui/ (server/http/routes/ui.ts) with a strict CSP:
// no inline scripts or styles, so nothing may be inlined into index.html.
export default defineConfig({
  root: here,
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
    modulePreload: { polyfill: false },
  },
  server: {
    // `npx vite --config renderer/vite.config.ts` during development: the API stays on the real server.
    proxy: { '/admin': 'http://127.0.0.1:8600', '/v2': 'http://127.0.0.1:8600' },
  },
});
