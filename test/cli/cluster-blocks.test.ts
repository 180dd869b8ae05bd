/**
 * Block commands on a real single-node Slurm (resources/slurm/start.sh): `cluster run --scheduler slurm`
 * gives what one process gives, and a task killed midway is rerun without changing the result.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fullRegion, openVolume, ZarrV3Writer, type Shape3 } from '../../src-main/engine/volume/index.ts'
import { createRng } from '../../src-main/engine/random.ts'
import { startCli, waitFor } from '../helpers/child.ts'
import { cliJson, runCli, tinyPredictArgs, tinyTrainArgs } from '../helpers/cli.ts'
import { runPython, tempDir } from '../helpers/peers.ts'
import { startSlurm } from '../helpers/slurm.ts'

const tmp = tempDir('cluster-blocks')
const project = join(tmp.dir, 'project')
const data = join(tmp.dir, 'data')
const raw = `${join(data, 'synthetic.h5')}#raw`
const missing = startSlurm()

async function readAll(spec: string): Promise<Float32Array | Uint32Array> {
  const v = await openVolume(spec)
  try {
    return (await v.readRegion(fullRegion(v.shape))) as Float32Array
  } finally {
    v.close()
  }
}

interface ClusterResult {
  scheduler: string
  jobs: number
  rerun: number[]
  merge: Record<string, unknown>
}

function clusterArgs(jobs: number, dir: string): string[] {
  return ['cluster', 'run', '--scheduler', 'slurm', '--jobs', String(jobs), '--dir', dir, '--poll-ms', '200']
}

/** `cluster run ... --json -- COMMAND`: its own flags go before the `--`, the command's after it. */
function clusterJson(jobs: number, dir: string, command: string[]): ClusterResult {
  const r = runCli([...clusterArgs(jobs, dir), '--json', '--', ...command])
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as ClusterResult
}

/** The process of one block, found by its arguments (the node process the array task started). */
function blockPid(part: string, out: string): number | null {
  const r = spawnSync('pgrep', ['-f', '--', `--out ${out} --block ${part}`], { encoding: 'utf8' })
  const pid = r.stdout.trim().split('\n')[0]
  return pid ? Number(pid) : null
}

describe('cluster run on Slurm', { skip: missing ?? false }, () => {
  before(() => {
    cliJson(['synth', '--out', data, '--shape', '16,256,512', '--seed', '3'])
    cliJson(['project', 'init', project])
    cliJson(tinyTrainArgs(project, raw, `${join(data, 'synthetic.h5')}#labels/mito`, 3))
  })
  after(() => tmp.cleanup())

  test('predict as 4 array tasks gives the single-process map bit for bit', async () => {
    cliJson(tinyPredictArgs(project, raw, '--out', join(tmp.dir, 'whole.zarr')))
    const out = join(tmp.dir, 'blocks.zarr')
    const r = clusterJson(4, join(tmp.dir, 'run-predict'), tinyPredictArgs(project, raw, '--out', out))
    assert.equal(r.scheduler, 'slurm')
    assert.deepEqual(r.rerun, [])
    assert.deepEqual(await readAll(`${out}#mito`), await readAll(`${join(tmp.dir, 'whole.zarr')}#mito`))
  })

  test('a task killed midway (SIGKILL) is rerun, and the map is unchanged', async () => {
    const out = join(tmp.dir, 'killed.zarr')
    const run = startCli([
      ...clusterArgs(4, join(tmp.dir, 'run-killed')),
      '--json',
      '--',
      ...tinyPredictArgs(project, raw, '--out', out),
    ])
    let pid: number | null = null
    await waitFor('block 2/4 running', () => (pid = blockPid('2/4', out)) !== null, 180_000, 20)
    process.kill(pid!, 'SIGKILL')
    const ended = await run.exited
    assert.equal(ended.code, 0, ended.stderr)
    const r = JSON.parse(ended.stdout) as ClusterResult
    assert.deepEqual(r.rerun, [2])
    assert.match(ended.stderr, /rerunning block\(s\) 2 \(exit 137\)/)
    assert.deepEqual(await readAll(`${out}#mito`), await readAll(`${join(tmp.dir, 'whole.zarr')}#mito`))
  })

  test('components as 4 array tasks equal scipy.ndimage.label on the whole volume (6 and 26)', async () => {
    const shape: Shape3 = [16, 96, 96]
    const rng = createRng(11)
    // Elongated blobs, many crossing the blocks' faces in every axis.
    const values = new Float32Array(shape[0] * shape[1] * shape[2])
    const blobs = Array.from({ length: 60 }, () => [rng.range(0, 16), rng.range(0, 96), rng.range(0, 96)])
    let i = 0
    for (let z = 0; z < shape[0]; z++)
      for (let y = 0; y < shape[1]; y++)
        for (let x = 0; x < shape[2]; x++, i++) {
          let v = rng.next() < 0.02 ? 0.9 : 0.1 // specks: single-voxel components, diagonal contacts
          for (const [cz, cy, cx] of blobs)
            if (((z - cz!) / 5) ** 2 + ((y - cy!) / 9) ** 2 + ((x - cx!) / 4) ** 2 < 1) v = 0.8
          values[i] = v
        }
    const store = join(tmp.dir, 'map.zarr')
    const arr = await new ZarrV3Writer(store).array('p', { shape, chunks: [4, 32, 32], dtype: 'float32' })
    await arr.writeRegion(fullRegion(shape), values)
    writeFileSync(join(tmp.dir, 'map.f32'), new Uint8Array(values.buffer))
    for (const connectivity of [6, 26]) {
      const labelsOut = `${join(tmp.dir, `cc${connectivity}.zarr`)}#cc`
      const r = clusterJson(4, join(tmp.dir, `run-cc${connectivity}`), [
        'components',
        `${store}#p`,
        '--connectivity',
        String(connectivity),
        '--labels-out',
        labelsOut,
      ])
      const peer = JSON.parse(
        runPython(
          `
import sys, json, numpy as np
from scipy import ndimage
v = np.fromfile(sys.argv[1], dtype='<f4').reshape(${shape.join(',')})
structure = ndimage.generate_binary_structure(3, 1 if int(sys.argv[2]) == 6 else 3)
labels, n = ndimage.label(v > 0.5, structure=structure)
sizes = np.bincount(labels.ravel())[1:]
print(json.dumps({"count": int(n), "sizes": sorted(int(s) for s in sizes)}))
`,
          [join(tmp.dir, 'map.f32'), String(connectivity)],
        ),
      ) as { count: number; sizes: number[] }
      assert.equal(r.merge.count, peer.count, `connectivity ${connectivity}`)
      const labels = (await readAll(labelsOut)) as Uint32Array
      const sizes = new Map<number, number>()
      for (const l of labels) if (l > 0) sizes.set(l, (sizes.get(l) ?? 0) + 1)
      assert.deepEqual(
        [...sizes.values()].sort((a, b) => a - b),
        peer.sizes,
        `connectivity ${connectivity}: size multiset`,
      )
    }
  })
})
