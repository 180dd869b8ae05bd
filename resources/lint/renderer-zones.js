// The renderer's import zones (src-renderer/src/), checked by `activeem/import-zones`:
// - only stores reach the host: the transport and the remembered-view helper are imported by stores/
//   (and by api/ itself), so every call the page makes is a store's;
// - outside a feature folder (components/<feature>/), the feature is imported only through its index.ts;
// - the DOM-free logic (grid/, viewer/, lib/) imports no store, component or host call: node tests run it.
// `from` and `to` are repository paths split into their parts; tests are outside these zones.

const HOST_CALLS = new Set(['api/transport.ts', 'api/ui-state.ts'])
const LOGIC = new Set(['grid', 'viewer', 'lib'])
const NOT_FOR_LOGIC = new Set(['stores', 'components', 'api'])

export function rendererZoneViolation(from, to) {
  const inRenderer = (p) => p[0] === 'src-renderer' && p[1] === 'src'
  if (!inRenderer(from) || !inRenderer(to)) return null
  const f = from.slice(2)
  const t = to.slice(2)
  const target = t.join('/')
  if (HOST_CALLS.has(target) && f[0] !== 'stores' && f[0] !== 'api')
    return `only stores call the host: use a store, not ${target}`
  if (LOGIC.has(f[0]) && NOT_FOR_LOGIC.has(t[0]))
    return `${f[0]}/ is DOM-free logic: it must not import ${target}`
  // components/<feature>/<file>; a file right in components/ (the help overlay) is in no feature.
  const feature = t[0] === 'components' && t.length >= 3 ? t[1] : null
  if (feature !== null && !(f[0] === 'components' && f[1] === feature) && t.slice(2).join('/') !== 'index.ts')
    return `import the ${feature} feature through components/${feature}/index.ts, not ${target}`
  return null
}
