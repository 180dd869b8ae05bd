// ESLint rule `activeem/import-zones`: the architecture's import boundaries, checked in the editor and
// by `npm run lint`.
// - the engine is plain Node: it never imports the CLI, the API, the web host or Electron;
// - the renderer never imports the main process (it reaches it only through the preload's API);
// - outside a pipeline stage (src-main/engine/<stage>/), the stage is imported only through its
//   index.ts, so what a stage offers is what its index says. Tests may reach inside the stage they test.
// - inside the renderer, the zones of renderer-zones.js (only stores call the host, features by index.ts).
import { relative, sep } from 'node:path'
import { resolveImport } from './import-graph.js'
import { rendererZoneViolation } from './renderer-zones.js'

const ROOT = new URL('../..', import.meta.url).pathname

function parts(file) {
  return relative(ROOT, file).split(sep)
}

/** `src-main/engine/<stage>/...` -> stage; engine files outside a stage folder (errors.ts) -> null. */
function stageOf(p) {
  return p[0] === 'src-main' && p[1] === 'engine' && p.length > 3 ? p[2] : null
}

const HOSTS = new Set(['cli', 'api', 'web', 'electron'])

export function zoneViolation(importer, target) {
  const from = parts(importer)
  const to = parts(target)
  const fromEngine = from[0] === 'src-main' && from[1] === 'engine'
  if (fromEngine && to[0] === 'src-main' && HOSTS.has(to[1]))
    return `the engine must not import src-main/${to[1]} (${to.join('/')}): the engine is plain Node, hosts call it`
  if (from[0] === 'src-renderer' && (to[0] === 'src-main' || to[0] === 'src-preload'))
    return `the renderer must not import ${to[0]} (${to.join('/')}): it reaches the main process through the preload's API`
  const stage = stageOf(to)
  if (
    stage !== null &&
    stageOf(from) !== stage &&
    to.length > 4 - 1 &&
    to.slice(3).join('/') !== 'index.ts'
  ) {
    const testOfStage = from[0] === 'test' && from[1] === 'engine' && from[2] === stage
    if (!testOfStage && from[0] !== 'test')
      return `import the ${stage} stage through src-main/engine/${stage}/index.ts, not ${to.join('/')}`
  }
  return rendererZoneViolation(from, to)
}

export const importZones = {
  meta: {
    type: 'problem',
    docs: { description: "imports stay inside the architecture's zones" },
    schema: [],
    messages: { zone: '{{why}}' },
  },
  create(context) {
    const file = context.filename
    const check = (node, spec) => {
      if (typeof spec !== 'string') return
      if (spec === 'electron' && parts(file)[1] === 'engine' && parts(file)[0] === 'src-main') {
        context.report({ node, messageId: 'zone', data: { why: 'the engine must not import electron' } })
        return
      }
      if (!spec.startsWith('.')) return
      const target = resolveImport(file, spec)
      if (target === null) return
      const why = zoneViolation(file, target)
      if (why) context.report({ node, messageId: 'zone', data: { why } })
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    }
  },
}

export default { rules: { 'import-zones': importZones } }
