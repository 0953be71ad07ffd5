import { fileURLToPath } from 'node:url';

import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const sharedSource = fileURLToPath(new URL('../shared/src/index.ts', import.meta.url));

// Everything the backend answers outside the SPA. Keys end in '/' where a bare prefix would
// also capture UI routes (Vite matches proxy keys with startsWith, so '/ca' would eat '/cas…').
const backendPaths = ['/trpc', '/healthz', '/readyz', '/crl/', '/ocsp', '/ca/', '/auth/', '/audit/'];
const backendOrigin = 'http://127.0.0.1:3000';

export default defineConfig({
  // Tailwind compiles to the one stylesheet at build time: no style is injected at run time,
  // which the CSP (style-src 'self', no 'unsafe-inline') requires.
  plugins: [react(), tailwindcss()],
  resolve: { alias: { '@pki/shared': sharedSource } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Inlined assets become data: URLs, which the CSP (default-src 'self') refuses.
    assetsInlineLimit: 0,
    // .vite/manifest.json maps each route's chunk to its imports; the console-bundle bench reads it.
    manifest: true,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(backendPaths.map((path) => [path, { target: backendOrigin }])),
  },
});
