/** The renderer's import zones: only stores call the host, features are entered by their index.ts, logic stays DOM-free. */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { ESLint } from 'eslint'
import { rendererZoneViolation } from '../../resources/lint/renderer-zones.js'
import { REPO } from '../helpers/cli.ts'

const zone = (from: string, to: string): string | null =>
  rendererZoneViolation(`src-renderer/src/${from}`.split('/'), `src-renderer/src/${to}`.split('/'))

test('only stores (and api/ itself) import the transport and the remembered-view helper', () => {
  assert.match(
    zone('components/viewer/ViewerPanel.vue', 'api/transport.ts') ?? '',
    /only stores call the host/,
  )
  assert.match(zone('App.vue', 'api/ui-state.ts') ?? '', /only stores call the host/)
  assert.equal(zone('stores/viewer.ts', 'api/transport.ts'), null)
  assert.equal(zone('api/ui-state.ts', 'api/transport.ts'), null)
  assert.equal(zone('App.vue', 'api/menu.ts'), null)
})

test('a feature folder is imported from outside through its index.ts only', () => {
  assert.match(
    zone('App.vue', 'components/viewer/SliceView.vue') ?? '',
    /through components\/viewer\/index.ts/,
  )
  assert.match(zone('components/grid/QueryGrid.vue', 'components/viewer/layers.ts') ?? '', /viewer feature/)
  assert.equal(zone('App.vue', 'components/viewer/index.ts'), null)
  assert.equal(zone('components/viewer/ViewerPanel.vue', 'components/viewer/SliceView.vue'), null)
  assert.equal(zone('App.vue', 'components/HelpOverlay.vue'), null, 'a component right in components/')
})

test('the DOM-free logic imports no store, component or host call', () => {
  assert.match(zone('viewer/sources.ts', 'stores/project.ts') ?? '', /DOM-free/)
  assert.match(zone('grid/keys.ts', 'components/grid/index.ts') ?? '', /DOM-free/)
  assert.match(zone('lib/latest.ts', 'api/token.ts') ?? '', /DOM-free/)
  assert.equal(zone('viewer/voxels.ts', 'lib/base64.ts'), null)
})

test('tests and other trees are outside the renderer zones', () => {
  assert.equal(
    rendererZoneViolation(
      'test/renderer/x.test.ts'.split('/'),
      'src-renderer/src/api/transport.ts'.split('/'),
    ),
    null,
  )
})

test('eslint refuses a component calling the host, and a feature entered by its insides', async () => {
  const eslint = new ESLint({ cwd: REPO })
  const zone = async (file: string, code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: join(REPO, file) })
    return result!.messages.filter((m) => m.ruleId === 'activeem/import-zones').map((m) => m.message)
  }
  const transport = "import { useTransport } from '../../api/transport.ts'\nexport const t = useTransport\n"
  assert.match((await zone('src-renderer/src/components/jobs/zz.ts', transport))[0] ?? '', /only stores/)
  assert.deepEqual(await zone('src-renderer/src/stores/zz/zz.ts', transport), [])
  const inside = "import SliceView from './components/viewer/SliceView.vue'\nexport const v = SliceView\n"
  assert.match((await zone('src-renderer/src/zz.ts', inside))[0] ?? '', /components\/viewer\/index.ts/)
})
