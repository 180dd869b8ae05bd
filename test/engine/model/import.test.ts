import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  defaultConfig,
  disposeWeights,
  forward,
  initWeights,
  loadModel,
  ourName,
  parameterSpecs,
} from '../../../src-main/engine/model/index.ts'
import { initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'
import { cliJson, REPO, runCli } from '../../helpers/cli.ts'
import { needPython, PYTHON, tempDir } from '../../helpers/peers.ts'

const CONVERTER = join(REPO, 'resources', 'convert', 'torch_unet_to_tfjs.py')
const FIXTURE = join(REPO, 'test', 'fixtures', 'torch_unet.py')

function python(args: string[]): void {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${args[0]} failed: ${r.stderr}`)
}

function floats(file: string): Float32Array {
  const b = readFileSync(file)
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
}

test('Keras-style and our own weight names map to our parameters; others do not', () => {
  assert.equal(ourName('down0_conv1/kernel'), 'down0/conv1/w')
  assert.equal(ourName('model/up1_norm2/beta'), 'up1/norm2/beta')
  assert.equal(ourName('down2_se1/kernel'), 'down2/se/w1')
  assert.equal(ourName('head/bias'), 'head/b')
  assert.equal(ourName('down1/skip/b'), 'down1/skip/b')
  assert.equal(ourName('dense_1/kernel'), null)
  assert.equal(ourName('down0_se1/bias'), null)
})

test('a PyTorch U-Net converted to the tfjs layers format imports and computes the same map', async (t) => {
  if (!needPython(t, ['numpy', 'torch'])) return
  const { dir, cleanup } = tempDir('import')
  t.after(cleanup)
  const [z, y, x] = [4, 16, 16]
  python([FIXTURE, dir, '4', '3', '1', '3', String(z), String(y), String(x)])
  python([CONVERTER, join(dir, 'unet.pt'), join(dir, 'tfjs'), '--mean', '0', '--std', '1'])
  cliJson(['project', 'init', join(dir, 'p')])
  const out = cliJson<{
    model: string
    path: string
    config: { task: string; width: number; depth: number }
  }>([
    'model',
    'import',
    '--project',
    join(dir, 'p'),
    '--from',
    join(dir, 'tfjs', 'model.json'),
    '--name',
    'from-torch',
    '--json',
  ])
  assert.equal(out.model, 'from-torch')
  assert.deepEqual([out.config.task, out.config.width, out.config.depth], ['synapse', 4, 3])
  const listed = cliJson<{ models: Array<{ name: string }> }>([
    'model',
    'list',
    '--project',
    join(dir, 'p'),
    '--json',
  ])
  assert.deepEqual(
    listed.models.map((m) => m.name),
    ['from-torch'],
  )

  await initTensorEngine({ backend: 'wasm' })
  const { meta, weights } = loadModel(out.path)
  const logits = tf.tidy(() =>
    forward(meta.config, weights, tf.tensor5d(floats(join(dir, 'input.f32')), [1, z, y, x, 1])),
  )
  const got = (await logits.data()) as Float32Array
  logits.dispose()
  disposeWeights(weights)
  const want = floats(join(dir, 'output.f32'))
  assert.equal(got.length, want.length)
  let diff = 0
  for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(got[i]! - want[i]!))
  assert.ok(diff < 1e-4, `max |ours - PyTorch| = ${diff}`)
})

test('bad imports exit 2 naming the file and the problem, and leave the project unchanged', async (t) => {
  await initTensorEngine({ backend: 'wasm' })
  const { dir, cleanup } = tempDir('import-bad')
  t.after(cleanup)
  const config = defaultConfig('mito', { width: 4, depth: 2 })
  const weights = initWeights(config, 1)
  const specs = parameterSpecs(config)
  const write = (
    name: string,
    entries: Array<{ name: string; shape: number[] }>,
    data: Buffer,
    extra = {},
  ): string => {
    const file = join(dir, `${name}.json`)
    writeFileSync(join(dir, `${name}.bin`), data)
    writeFileSync(
      file,
      JSON.stringify({
        format: 'layers-model',
        modelTopology: { class_name: 'Functional', config: {} },
        weightsManifest: [
          { paths: [`${name}.bin`], weights: entries.map((e) => ({ ...e, dtype: 'float32' })) },
        ],
        ...extra,
      }),
    )
    return file
  }
  const bytes = Buffer.concat(
    specs.map((s) => Buffer.from((weights.get(s.name)!.dataSync() as Float32Array).buffer)),
  )
  const good = write('good', specs, bytes, {
    userDefinedMetadata: { activeem: { normalisation: { mean: 1, std: 2 } } },
  })
  const noNorm = write('nonorm', specs, bytes)
  const missing = write('missing', specs.slice(0, -1), bytes.subarray(0, bytes.length - 4))
  const foreign = write('foreign', [{ name: 'dense_1/kernel', shape: [2, 2] }], Buffer.alloc(16))
  disposeWeights(weights)
  cliJson(['project', 'init', join(dir, 'p')])
  const cases: Array<[string[], RegExp]> = [
    [['--from', good, '--task', 'synapse'], /a mito model \(1 output\), not a synapse model/],
    [['--from', noNorm], /--mean and --std/],
    [['--from', missing], /weight for head\/b .* is missing/],
    [['--from', foreign], /'dense_1\/kernel' is not part of ActiveEM's U-Net/],
    [['--from', join(dir, 'none.json')], /no such file/],
    [['--from', good, '--mean', '1'], /--mean and --std together/],
  ]
  for (const [args, message] of cases) {
    const r = runCli(['model', 'import', '--project', join(dir, 'p'), '--name', 'm', ...args])
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, /^error: /)
    assert.equal(r.stderr.trim().split('\n').length, 1)
    assert.match(r.stderr, message)
  }
  assert.deepEqual(
    cliJson<{ models: unknown[] }>(['model', 'list', '--project', join(dir, 'p'), '--json']).models,
    [],
  )
  cliJson(['model', 'import', '--project', join(dir, 'p'), '--name', 'm', '--from', good, '--json'])
  const again = runCli(['model', 'import', '--project', join(dir, 'p'), '--name', 'm', '--from', good])
  assert.equal(again.code, 2)
  assert.match(again.stderr, /already has a model of that name/)
})
