/**
 * The architecture's import rules: no import cycles among our sources, and the eslint import zones
 * (resources/lint) refuse what they are for. `npm run lint` runs the zones over the tree.
 */
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ESLint } from 'eslint'
import { findCycles, importGraph, shortName } from '../../resources/lint/import-graph.js'
import { REPO } from '../helpers/cli.ts'
import { scopedTempDir } from '../helpers/peers.ts'

const tmp = scopedTempDir('import-rules')

test('our sources import one another without a cycle', () => {
  const graph = importGraph(
    ['src-main', 'src-renderer/src', 'src-preload', 'src-shared'].map((d) => join(REPO, d)),
  )
  assert.ok(graph.size > 200, `read ${graph.size} files`)
  const cycles = findCycles(graph).map((c) => c.map((f) => shortName(REPO, f)).join(' -> '))
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.join('\n')}`)
})

test('the cycle check finds a deliberate cycle, and type-only imports make none', () => {
  const dir = join(tmp.dir, 'cycle')
  mkdirSync(dir)
  writeFileSync(join(dir, 'a.ts'), "import { b } from './b.ts'\nexport const a = b\n")
  writeFileSync(join(dir, 'b.ts'), "import {\n  c,\n} from './c.ts'\nexport const b = c\n")
  writeFileSync(join(dir, 'c.ts'), "import type { A } from './a.ts'\nexport const c = 1\n")
  assert.deepEqual(findCycles(importGraph([dir])), [])
  writeFileSync(join(dir, 'c.ts'), "export { a } from './a.ts'\nexport const c = 1\n")
  const cycles = findCycles(importGraph([dir])).map((c) => c.map((f) => shortName(dir, f)).sort())
  assert.deepEqual(cycles, [['a.ts', 'b.ts', 'c.ts']])
})

test('the import zones refuse the engine importing a host, the renderer importing main, a stage by its insides', async () => {
  const eslint = new ESLint({ cwd: REPO })
  const zone = async (file: string, code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: join(REPO, file) })
    return result!.messages.filter((m) => m.ruleId === 'activeem/import-zones').map((m) => m.message)
  }
  assert.match(
    (
      await zone(
        'src-main/engine/volume/zz.ts',
        "import { x } from '../../cli/output.ts'\nexport const y = x\n",
      )
    )[0] ?? '',
    /the engine must not import src-main\/cli/,
  )
  assert.match(
    (
      await zone('src-main/engine/volume/zz.ts', "import { app } from 'electron'\nexport const y = app\n")
    )[0] ?? '',
    /the engine must not import electron/,
  )
  assert.match(
    (
      await zone(
        'src-renderer/src/zz.ts',
        "import { x } from '../../src-main/engine/errors.ts'\nexport const y = x\n",
      )
    )[0] ?? '',
    /the renderer must not import src-main/,
  )
  assert.match(
    (
      await zone('src-main/api/zz.ts', "import { x } from '../engine/volume/zarr.ts'\nexport const y = x\n")
    )[0] ?? '',
    /import the volume stage through src-main\/engine\/volume\/index.ts/,
  )
  assert.deepEqual(
    await zone('src-main/api/zz.ts', "import { x } from '../engine/volume/index.ts'\nexport const y = x\n"),
    [],
  )
  assert.deepEqual(
    await zone(
      'test/engine/volume/zz.test.ts',
      "import { x } from '../../../src-main/engine/volume/zarr.ts'\nexport const y = x\n",
    ),
    [],
  )
})
