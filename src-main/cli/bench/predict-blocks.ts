import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  channelsOf,
  disposeWeights,
  initWeights,
  modelDir,
  recordModel,
  saveModel,
  type ModelConfig,
} from '../../engine/model/index.ts'
import { Project } from '../../engine/store/index.ts'
import { runSynth } from '../commands/synth.ts'
import { round } from './measure.ts'
import type { BenchOptions } from './options.ts'

const CLI = fileURLToPath(new URL('../../../bin/activeem.mjs', import.meta.url))

/** Blocks a run is split into: more than the jobs at once, so a job runs several in turn, as on a cluster. */
const BLOCKS = 4

function activeem(args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', fail)
    child.on('exit', (code) =>
      code === 0 ? ok() : fail(new Error(`activeem ${args.join(' ')} exited ${code}: ${stderr}`)),
    )
  })
}

/** Runs the commands, `jobs` at a time, as a local scheduler runs an array job. */
async function runAtOnce(commands: string[][], jobs: number): Promise<void> {
  const queue = [...commands]
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await activeem(next)
    }),
  )
}

/**
 * `predict --block i/N` as separate processes, 1 or 2 at a time, then `predict --merge`, against one
 * `predict` process over the same volume and model: what splitting a prediction into block jobs costs
 * or buys on one machine, and the merge's share of it. Each process gets the cores divided by the jobs
 * running at once as its worker threads. It spawns the blocks itself; `activeem cluster run
 * --scheduler local --jobs N` does the same.
 */
export async function benchPredictBlocks(config: ModelConfig, options: BenchOptions): Promise<object[]> {
  const shape = options.predictShape
  const voxels = shape.reduce((a, b) => a * b, 1)
  const dir = mkdtempSync(join(tmpdir(), 'activeem-bench-predict-blocks-'))
  try {
    const data = await runSynth(join(dir, 'data'), shape, 5)
    const projectDir = join(dir, 'project')
    const project = Project.init(projectDir)
    try {
      const weights = initWeights(config, 2)
      await saveModel(
        modelDir(project, 'bench'),
        {
          config,
          normalisation: { mean: 128, std: 40 },
          trainedChannels: [...channelsOf(config)],
          trainedOn: { bench: true },
        },
        weights,
      )
      disposeWeights(weights)
      recordModel(project, 'bench', config, {})
    } finally {
      project.close()
    }
    const cores = availableParallelism()
    const base = (out: string, jobs: number): string[] => [
      'predict',
      '--project',
      projectDir,
      '--raw',
      `${data.hdf5}#raw`,
      '--model',
      'bench',
      '--out',
      join(dir, out),
      '--backend',
      options.backend,
      '--workers',
      String(Math.max(1, Math.floor(cores / jobs))),
      ...(options.predictBatch !== undefined ? ['--batch', String(options.predictBatch)] : []),
    ]
    let t = performance.now()
    await activeem(base('whole.zarr', 1))
    const whole = (performance.now() - t) / 1000
    const rows: object[] = []
    for (const jobs of [1, 2]) {
      const out = `blocks-${jobs}.zarr`
      t = performance.now()
      await runAtOnce(
        Array.from({ length: BLOCKS }, (_, i) => [...base(out, jobs), '--block', `${i}/${BLOCKS}`]),
        jobs,
      )
      const blocks = (performance.now() - t) / 1000
      t = performance.now()
      await activeem([...base(out, jobs), '--merge'])
      const merge = (performance.now() - t) / 1000
      const seconds = blocks + merge
      rows.push({
        name: `predict_blocks_${shape.join('x')}_${BLOCKS}_blocks_jobs_${jobs}`,
        ours_s: round(seconds),
        peer: 'activeem predict, one process',
        peer_s: round(whole),
        ratio: round(seconds / whole),
        voxels_per_s: Math.round(voxels / seconds),
        merge_s: round(merge),
        merge_share: round(merge / seconds),
        workers_per_block: Math.max(1, Math.floor(cores / jobs)),
        cores,
      })
    }
    return rows
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
