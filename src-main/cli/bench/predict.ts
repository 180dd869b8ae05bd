import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  channelsOf,
  disposeWeights,
  initWeights,
  modelDir,
  saveModel,
  type ModelConfig,
} from '../../engine/model/index.ts'
import { predictVolume } from '../../engine/predict/index.ts'
import { Project } from '../../engine/store/index.ts'
import { checkDevice, tf, type EngineInfo } from '../../engine/tensor/index.ts'
import { runSynth } from '../commands/synth.ts'
import { adapterOf, round } from './measure.ts'
import type { BenchOptions } from './options.ts'

/**
 * Whole-volume prediction as `activeem predict` runs it (sliding windows with overlap and blending,
 * the Zarr map written chunk by chunk) over a synthetic volume of --predict-shape, in a throw-away
 * project, on the active backend (predictVolume spreads tiles over worker threads on wasm and cpu, and
 * runs a GPU backend in this thread). Only the prediction is timed.
 */
export async function benchPredict(
  config: ModelConfig,
  engine: EngineInfo,
  options: BenchOptions,
): Promise<object> {
  const shape = options.predictShape
  const where = await adapterOf(engine)
  const dir = mkdtempSync(join(tmpdir(), 'activeem-bench-predict-'))
  try {
    const data = await runSynth(join(dir, 'data'), shape, 5)
    const project = Project.init(join(dir, 'project'))
    try {
      const weights = initWeights(config, 2)
      const dirOfModel = modelDir(project, 'bench')
      await saveModel(
        dirOfModel,
        {
          config,
          normalisation: { mean: 128, std: 40 },
          trainedChannels: [...channelsOf(config)],
          trainedOn: { bench: true },
        },
        weights,
      )
      disposeWeights(weights)
      const t = performance.now()
      const result = await predictVolume({
        project,
        raw: `${data.hdf5}#raw`,
        modelDir: dirOfModel,
        ...(options.predictBatch !== undefined ? { batchSize: options.predictBatch } : {}),
      })
      const seconds = (performance.now() - t) / 1000
      if (engine.backend === 'webgpu') checkDevice()
      const voxels = shape.reduce((a, b) => a * b, 1)
      return {
        name: `predict_volume_${shape.join('x')}_window_${config.window.join('x')}`,
        ours_s: round(seconds),
        voxels,
        voxels_per_s: Math.round(voxels / seconds),
        tiles: result.tiles,
        ...(options.predictBatch !== undefined ? { batch: options.predictBatch } : {}),
        backend: tf.getBackend(),
        ...where,
      }
    } finally {
      project.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
