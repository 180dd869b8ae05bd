// Runs every test file under test/ with node's test runner (Node 20 has no glob for --test).
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('.', import.meta.url))
const filter = process.argv.slice(2)

function collect(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) return collect(path)
      return name.endsWith('.test.ts') ? [path] : []
    })
}

const files = collect(root).filter(
  (f) => filter.length === 0 || filter.some((p) => relative(root, f).includes(p)),
)
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], {
  stdio: 'inherit',
})
process.exit(r.status ?? 1)
