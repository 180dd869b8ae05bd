import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'

const root = import.meta.dirname

/** Heavy or native node packages: loaded from node_modules at run time, never bundled into main. */
const MAIN_EXTERNAL = [
  'better-sqlite3',
  'h5wasm',
  'h5wasm-plugins',
  'zarrita',
  'ws',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-node-gpu',
]

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      externalizeDeps: { include: MAIN_EXTERNAL },
      rollupOptions: {
        input: { index: resolve(root, 'src-main/electron/main.ts') },
        external: [...MAIN_EXTERNAL, ...MAIN_EXTERNAL.map((name) => new RegExp(`^${name}/`))],
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload can require only 'electron' (and a few polyfilled modules): bundle
      // everything it imports (zod, the contract) into one CommonJS file.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(root, 'src-preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs', inlineDynamicImports: true },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    // Relative asset URLs: the same build loads from file:// in Electron and from the web host.
    base: './',
    plugins: [vue()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: resolve(root, 'src-renderer/index.html') },
    },
  },
})
