// The relative imports between our source files, read as text: enough for the import-zone rule and
// the cycle check, and independent of any bundler's resolution.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

const SOURCE = /\.(ts|vue|js|mjs)$/
// `import type` and `export type` vanish at runtime: they make no cycle.
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

/** The runtime imports of one file's text (relative ones only: packages are not ours). */
export function importsOf(text) {
  const out = []
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2]
    if (spec.startsWith('.')) out.push(spec)
  }
  return out
}

/** What `spec` imported from `file` names on disk, or null when it names nothing there. */
export function resolveImport(file, spec) {
  const base = resolve(dirname(file), spec)
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')])
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate
  return null
}

function sources(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path)
    return SOURCE.test(name) ? [path] : []
  })
}

/** file -> the files it imports at runtime, over the given roots. */
export function importGraph(roots) {
  const graph = new Map()
  for (const file of roots.flatMap(sources)) {
    const targets = importsOf(readFileSync(file, 'utf8'))
      .map((spec) => resolveImport(file, spec))
      .filter((t) => t !== null)
    graph.set(file, targets)
  }
  return graph
}

/** Every cycle, once each, as the list of files around it (Tarjan's strongly connected components). */
export function findCycles(graph) {
  let index = 0
  const stack = []
  const state = new Map()
  const cycles = []
  const visit = (v) => {
    const s = { index, low: index, onStack: true }
    state.set(v, s)
    index++
    stack.push(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      const t = state.get(w)
      if (!t) {
        visit(w)
        s.low = Math.min(s.low, state.get(w).low)
      } else if (t.onStack) s.low = Math.min(s.low, t.index)
    }
    if (s.low === s.index) {
      const component = []
      let w
      do {
        w = stack.pop()
        state.get(w).onStack = false
        component.push(w)
      } while (w !== v)
      const selfLoop = (graph.get(v) ?? []).includes(v)
      if (component.length > 1 || selfLoop) cycles.push(component.reverse())
    }
  }
  for (const v of graph.keys()) if (!state.has(v)) visit(v)
  return cycles
}

export function shortName(root, file) {
  return relative(root, file).split(sep).join('/')
}
