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

function activeem(args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', fail)
    child.on('exit', (code) =>
      code === 0 ? ok(stdout) : fail(new Error(`activeem ${args.join(' ')} exited ${code}: ${stderr}`)),
    )
  })
}

/**
 * `activeem cluster run --scheduler local --jobs N -- predict ...` (N blocks as processes at once, then
 * the merge) for N = 1 and 2, against one `predict` process over the same volume and model: what
 * splitting a prediction into block jobs costs or buys on one machine, and the merge's share of it.
 * Each block process gets the cores divided by N as its worker threads.
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
      const run = JSON.parse(
        await activeem([
          'cluster',
          'run',
          '--scheduler',
          'local',
          '--jobs',
          String(jobs),
          '--dir',
          join(dir, `run-${jobs}`),
          '--json',
          '--',
          ...base(out, jobs),
        ]),
      ) as { blockSeconds: number; mergeSeconds: number }
      const wall = (performance.now() - t) / 1000
      const blocks = run.blockSeconds
      const merge = run.mergeSeconds
      const seconds = wall
      rows.push({
        name: `predict_cluster_local_${shape.join('x')}_jobs_${jobs}`,
        ours_s: round(seconds),
        peer: 'activeem predict, one process',
        peer_s: round(whole),
        ratio: round(seconds / whole),
        voxels_per_s: Math.round(voxels / seconds),
        blocks_s: round(blocks),
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
