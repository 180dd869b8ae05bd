import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { predictVolume } from '../../../src-main/engine/predict/index.ts'
import {
  channelsOf,
  defaultConfig,
  disposeWeights,
  initWeights,
  modelDir,
  saveModel,
} from '../../../src-main/engine/model/index.ts'
import { Project } from '../../../src-main/engine/store/index.ts'
import { generateSynthetic, writeSynthetic } from '../../../src-main/engine/synth/index.ts'
import { initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'
import { scopedTempDir } from '../../helpers/peers.ts'
import { skipWithout, useTestAdapter } from '../../helpers/webgpu.ts'

const missing = useTestAdapter()
const tmp = scopedTempDir('predict-webgpu-memory')

test('on webgpu, prediction holds no more tensors tile after tile, and frees them all at the end', async (t) => {
  if (skipWithout(t, missing)) return
  await initTensorEngine({ backend: 'webgpu' })
  assert.equal(tf.getBackend(), 'webgpu')
  const volume = generateSynthetic({ shape: [8, 288, 64], seed: 5 })
  const files = await writeSynthetic(volume, join(tmp.dir, 'data'), { seed: 5 })
  const project = Project.init(join(tmp.dir, 'project'))
  try {
    const config = defaultConfig('mito', { width: 2, depth: 2, window: [4, 32, 32] })
    const weights = initWeights(config, 3)
    const dir = modelDir(project, 'm')
    await saveModel(
      dir,
      {
        config,
        normalisation: { mean: 128, std: 40 },
        trainedChannels: [...channelsOf(config)],
        trainedOn: {},
      },
      weights,
    )
    disposeWeights(weights)
    const before = tf.memory()
    const seen: Array<[number, number]> = []
    const result = await predictVolume({
      project,
      raw: `${files.hdf5}#raw`,
      modelDir: dir,
      batchSize: 2,
      onProgress: () => seen.push([tf.memory().numTensors, tf.memory().numBytes]),
    })
    assert.equal(result.tiles, 3)
    assert.equal(seen.length, 3)
    // A tile's progress comes when it is written, while the next tile computes: at most one batch's
    // input and output are in flight then. A leak per window or batch would grow with every tile.
    const counts = seen.map((s) => s[0])
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 2, `tensors per tile: ${counts.join(', ')}`)
    assert.equal(tf.memory().numTensors, before.numTensors)
    assert.equal(tf.memory().numBytes, before.numBytes)
  } finally {
    project.close()
  }
})
