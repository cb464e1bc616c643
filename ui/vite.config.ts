import { defineConfig } from 'vitest/config'
import react from '@vitejs/plugin-react'

// The console is served by the sovereign binary under a strict
// Content-Security-Policy (script-src 'self'; style-src 'self'), so the
// build must not inline anything: no inline scripts, no inline styles, no
// data: module preloads. The output lands in ../embed/ui and is committed.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: '../embed/ui',
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    sourcemap: false,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/auth': 'http://127.0.0.1:8080',
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
})
