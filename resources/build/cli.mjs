// Builds the CLI as plain JavaScript in out/cli/, file for file (no bundle), so `activeem` starts
// without compiling TypeScript through tsx at every run (block jobs start many processes). The
// tree keeps its shape, so each file's import.meta.url-relative paths still resolve: out/cli/ holds
// links to the repository's resources/, bin/, out/ and package.json at the depth the sources expect.
import { transform } from 'esbuild'
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const out = join(root, 'out', 'cli')
const SOURCES = ['src-main', 'src-shared']
/** The Electron shell is built by electron-vite; the CLI never loads it. */
const SKIP = [join('src-main', 'electron')]

function* files(dir) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (SKIP.includes(path)) continue
    if (entry.isDirectory()) yield* files(path)
    else yield path
  }
}

/** Relative `.ts` specifiers become `.js`: in static imports, exports and dynamic import(). */
function rewriteSpecifiers(code) {
  return code.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.ts(['"])/g, '$1$2.js$3')
}

const started = Date.now()
rmSync(out, { recursive: true, force: true })
let count = 0
for (const dir of SOURCES)
  for (const path of files(dir)) {
    const target = join(out, path)
    mkdirSync(dirname(target), { recursive: true })
    if (path.endsWith('.ts') && !path.endsWith('.d.ts')) {
      const { code } = await transform(readFileSync(join(root, path), 'utf8'), {
        loader: 'ts',
        format: 'esm',
        target: 'node20',
        // Node 20.10+ reads `with { type: 'json' }`; esbuild's node20 table predates it.
        supported: { 'import-attributes': true },
        sourcefile: relative(out, join(root, path)),
        sourcemap: 'inline',
      })
      writeFileSync(target.replace(/\.ts$/, '.js'), rewriteSpecifiers(code))
      count++
    } else if (path.endsWith('worker-entry.mjs')) {
      // Built workers load their JavaScript directly, as the CLI does.
      writeFileSync(target, "await import('./worker.js')\n")
    } else if (path.endsWith('.mjs') || path.endsWith('.json')) {
      writeFileSync(target, readFileSync(join(root, path)))
    }
  }
symlinkSync(join('..', '..', 'resources'), join(out, 'resources'))
symlinkSync(join('..', '..', 'bin'), join(out, 'bin'))
symlinkSync('..', join(out, 'out'))
symlinkSync(join('..', '..', 'package.json'), join(out, 'package.json'))
// The stamp bin/activeem.mjs compares with the sources: a source edited since falls back to tsx.
writeFileSync(join(out, 'BUILT'), `${new Date().toISOString()}\n`)
console.log(`cli: ${count} files to ${relative(root, out)}/ in ${Date.now() - started} ms`)
