import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = 'http://127.0.0.1:3000';

// Built into admin-ui/dist, which the Nest app serves at / (SPA fallback); `vite dev` proxies the API.
export default defineConfig({
  root,
  base: '/',
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: { '/api': api, '/files': api, '/admin': api },
  },
});
