import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fullRegion, openVolume, toNumberArrayView } from '../../src-main/engine/volume/index.ts'
import { cliJson, runCli, tinyPredictArgs, tinyTrainArgs } from '../helpers/cli.ts'
import { tempDir } from '../helpers/peers.ts'
import { skipWithout, useTestAdapter } from '../helpers/webgpu.ts'

const missing = useTestAdapter()
const tmp = tempDir('predict-webgpu')
const project = join(tmp.dir, 'project')
const h5 = join(tmp.dir, 'data', 'synthetic.h5')

async function readMap(group: string, channel = 'mito'): Promise<Float32Array> {
  const v = await openVolume(`${group}#${channel}`)
  try {
    return Float32Array.from(toNumberArrayView(await v.readRegion(fullRegion(v.shape))))
  } finally {
    v.close()
  }
}

function predict(out: string, backend: string, env: NodeJS.ProcessEnv = {}) {
  return runCli(
    // Two windows a pass: the software adapter takes seconds for a batch of 16.
    tinyPredictArgs(project, `${h5}#raw`, '--out', out, '--backend', backend, '--batch', '2', '--json'),
    { env },
  )
}

describe('predict and train on webgpu', { concurrency: false }, () => {
  before(() => {
    if (missing) return
    cliJson(['synth', '--out', join(tmp.dir, 'data'), '--shape', '8,160,96', '--seed', '3'])
    cliJson(['project', 'init', project])
    cliJson([...tinyTrainArgs(project, `${h5}#raw`, `${h5}#labels/mito`, 3), '--backend', 'wasm'])
  })
  after(() => tmp.cleanup())

  test('the map equals the wasm map within 1e-4, and the job log names the adapter', async (t) => {
    if (skipWithout(t, missing)) return
    const wasm = predict(join(tmp.dir, 'wasm.zarr'), 'wasm')
    assert.equal(wasm.code, 0, wasm.stderr)
    const gpu = predict(join(tmp.dir, 'gpu.zarr'), 'webgpu')
    assert.equal(gpu.code, 0, gpu.stderr)
    const a = await readMap(join(tmp.dir, 'wasm.zarr'))
    const b = await readMap(join(tmp.dir, 'gpu.zarr'))
    let worst = 0
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
    assert.ok(worst <= 1e-4, `max abs difference ${worst}`)
    assert.equal((JSON.parse(gpu.stdout) as { backend: string }).backend, 'webgpu')
  })

  test("'--backend webgpu' with no adapter: exit 2, one error line that says what is missing", (t) => {
    if (skipWithout(t, missing)) return
    const r = predict(join(tmp.dir, 'none.zarr'), 'webgpu', {
      VK_ICD_FILENAMES: join(tmp.dir, 'no-such-icd.json'),
    })
    assert.equal(r.code, 2, r.stderr)
    const lines = r.stderr.trim().split('\n')
    assert.equal(lines.length, 1, r.stderr)
    assert.match(
      lines[0]!,
      /^error: backend 'webgpu' is unavailable: VK_ICD_FILENAMES names no existing file/,
    )
    assert.match(lines[0]!, /activeem doctor/)
  })

  test('a GPU lost mid-predict ends with one error line; the rerun resumes and the map is unchanged', async (t) => {
    if (skipWithout(t, missing)) return
    const out = join(tmp.dir, 'lost.zarr')
    // Two tiles (128 + 32 rows): the device is destroyed at the second tile's check, after the first.
    const lost = predict(out, 'webgpu', { ACTIVEEM_TEST_LOSE_GPU_AT: '2' })
    assert.equal(lost.code, 2, lost.stderr)
    // Progress lines (after the first tile) and then the one error line.
    assert.equal(lost.stderr.match(/^error:/gm)?.length, 1, lost.stderr)
    assert.match(
      lost.stderr.trim().split('\n').at(-1)!,
      /^error: the GPU device was lost .*finished tiles and checkpoints are kept/,
    )
    const again = predict(out, 'webgpu')
    assert.equal(again.code, 0, again.stderr)
    const result = JSON.parse(again.stdout) as { resumedTiles: number; tiles: number }
    assert.ok(result.resumedTiles >= 1 && result.resumedTiles < result.tiles, JSON.stringify(result))
    const a = await readMap(join(tmp.dir, 'gpu.zarr'))
    const b = await readMap(out)
    assert.deepEqual(b, a)
  })

  test('a GPU lost mid-training saves nothing from the lost device; the rerun on wasm trains from the start', (t) => {
    if (skipWithout(t, missing)) return
    const args = [...tinyTrainArgs(project, `${h5}#raw`, `${h5}#labels/mito`, 4), '--name', 'lost']
    // Two checks an iteration: lost during the third.
    const lost = runCli([...args, '--backend', 'webgpu', '--json'], {
      env: { ACTIVEEM_TEST_LOSE_GPU_AT: '5' },
    })
    assert.equal(lost.code, 2, lost.stderr)
    // Progress lines (train prints them on stderr) and then the one error line.
    assert.match(
      lost.stderr.trim().split('\n').at(-1)!,
      /^error: the GPU device was lost .*checkpoints are kept/,
    )
    assert.equal(lost.stderr.match(/^error:/gm)?.length, 1)
    assert.equal(existsSync(join(project, 'models', 'lost', 'checkpoint', 'weights.bin')), false)
    const resumed = cliJson<{ resumedFrom: number; iterations: number; backend: string }>([
      ...args,
      '--backend',
      'wasm',
    ])
    assert.deepEqual([resumed.resumedFrom, resumed.iterations, resumed.backend], [0, 4, 'wasm'])
  })
})
