import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { fullRegion, openVolume } from '../../src-main/engine/volume/index.ts'
import { CLI, cliJson, oneErrorLine, REPO } from '../helpers/cli.ts'
import { needPython, pythonHas, runPython, scopedTempDir } from '../helpers/peers.ts'

const tmp = scopedTempDir('components-blocks')
const at = (name: string): string => join(tmp.dir, name)

const SHAPE = [24, 40, 48] as const
// Blocks of 6x10x12 voxels: 64 of them, so 3 or 4 parts split layers and rows of blocks mid-way.
const BLOCK_SHAPE = ['--block-shape', '6,10,12']

/**
 * Worms (random walks, so objects are long and cross block faces in every direction) and sparse single
 * voxels that touch only diagonally, written by zarr-python (Zarr v2), which the peer reads back.
 */
const MAKE = `
import sys, numpy as np, zarr
rng = np.random.default_rng(int(sys.argv[2]))
shape = (${SHAPE.join(', ')})
m = np.zeros(shape, np.uint8)
for w in range(40):
    p = [rng.integers(0, s) for s in shape]
    for s in range(120):
        m[tuple(p)] = 1
        a = rng.integers(0, 3)
        p[a] = int(min(shape[a] - 1, max(0, p[a] + rng.choice([-1, 1]))))
m[rng.random(shape) < 0.02] = 1
z = zarr.open(sys.argv[1], mode='w', shape=shape, chunks=(6, 10, 12), dtype='u1')
z[:] = m
`

/** scipy.ndimage.label of the whole volume: its labels (raw uint32) to a file, and its count and sizes. */
const PEER = `
import sys, json, numpy as np, zarr
from scipy import ndimage
m = zarr.open(sys.argv[1], mode='r')[:] > 0
structure = ndimage.generate_binary_structure(3, {'6': 1, '18': 2, '26': 3}[sys.argv[2]])
labels, n = ndimage.label(m, structure=structure)
labels.astype('<u4').tofile(sys.argv[3])
print(json.dumps({'count': int(n), 'sizes': sorted(np.bincount(labels.ravel())[1:].tolist())}))
`

interface Summary {
  count: number
  voxels: number
  blocks: number
  parts?: number
}

/** `activeem ARGS --json` as its own process, run beside others (as a cluster's array tasks are). */
function cliAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args, '--json'], { cwd: REPO })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

async function labelsOf(spec: string): Promise<Uint32Array> {
  const v = await openVolume(spec)
  try {
    return (await v.readRegion(fullRegion(v.shape))) as Uint32Array
  } finally {
    v.close()
  }
}

/** The blocks of a run, all at once, then its merge. */
async function blocksThenMerge(args: string[], parts: number): Promise<Summary> {
  const runs = await Promise.all(
    Array.from({ length: parts }, (_, i) => cliAsync([...args, '--block', `${i}/${parts}`])),
  )
  for (const r of runs) assert.equal(r.code, 0, r.stderr)
  return cliJson<Summary>([...args, '--merge'])
}

const volume = at('worms.zarr')
const other = at('other.zarr')

describe('components --block i/n, then --merge', { concurrency: false }, () => {
  before(() => {
    if (!pythonHas(['numpy', 'scipy', 'zarr'])) return
    runPython(MAKE, [volume, '7'])
    runPython(MAKE, [other, '8'])
  })

  for (const [connectivity, parts] of [
    ['6', 3],
    ['26', 4],
  ] as const) {
    test(`${connectivity}-connected over ${parts} block processes equals the one-process run and scipy.ndimage.label`, async (t) => {
      if (!needPython(t, ['numpy', 'scipy', 'zarr'])) return
      const common = ['components', volume, '--connectivity', connectivity, ...BLOCK_SHAPE]
      const whole = cliJson<Summary>([
        ...common,
        ...['--out', at(`whole-${connectivity}.csv`), '--labels-out', `${at('whole.zarr')}#c${connectivity}`],
      ])
      const merged = await blocksThenMerge(
        [
          ...common,
          '--out',
          at(`split-${connectivity}.csv`),
          '--labels-out',
          `${at('split.zarr')}#c${connectivity}`,
        ],
        parts,
      )
      assert.equal(whole.blocks, 64)
      assert.equal(merged.parts, parts)
      assert.equal(merged.count, whole.count)
      assert.equal(merged.voxels, whole.voxels)
      const csv = readFileSync(at(`split-${connectivity}.csv`), 'utf8')
      assert.equal(csv, readFileSync(at(`whole-${connectivity}.csv`), 'utf8'))
      const labels = await labelsOf(`${at('split.zarr')}#c${connectivity}`)
      assert.deepEqual(labels, await labelsOf(`${at('whole.zarr')}#c${connectivity}`))
      // The merge removes the blocks' files once its results are written.
      assert.equal(existsSync(at(`split-${connectivity}.csv.blocks`)), false)

      const peerFile = at(`peer-${connectivity}.u32`)
      const peer = JSON.parse(runPython(PEER, [volume, connectivity, peerFile])) as {
        count: number
        sizes: number[]
      }
      assert.ok(peer.count > 20, `a volume with objects: ${peer.count}`)
      assert.equal(merged.count, peer.count)
      const sizes = csv
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => Number(l.split(',')[7]))
      assert.deepEqual(
        sizes.sort((a, b) => a - b),
        peer.sizes,
      )
      const b = readFileSync(peerFile)
      assert.deepEqual(labels, new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice())
      // Objects do cross block faces: some component spans more than one block along every axis.
      const rows = csv
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',').map(Number))
      for (const [axis, size] of [
        [0, 6],
        [1, 10],
        [2, 12],
      ] as const)
        assert.ok(
          rows.some((r) => Math.floor(r[1 + axis]! / size) !== Math.floor((r[4 + axis]! - 1) / size)),
          `a component crosses a block face along axis ${axis}`,
        )
    })
  }

  test('with --dilate and a size filter: the blocks read the morphology halo, the merge filters', async (t) => {
    if (!needPython(t, ['numpy', 'scipy', 'zarr'])) return
    const common = [
      'components',
      volume,
      ...BLOCK_SHAPE,
      ...['--connectivity', '6', '--dilate', '0,0,1'],
      ...['--min-size', '20', '--max-size', '1000'],
    ]
    const whole = cliJson<Summary>([...common, '--out', at('dilate-whole.csv')])
    const merged = await blocksThenMerge([...common, '--out', at('dilate-split.csv')], 4)
    assert.ok(whole.count > 2)
    assert.equal(merged.count, whole.count)
    assert.equal(readFileSync(at('dilate-split.csv'), 'utf8'), readFileSync(at('dilate-whole.csv'), 'utf8'))
  })

  test('a block killed midway reruns alone; the merge names missing blocks and writes nothing', async (t) => {
    if (!needPython(t, ['numpy', 'scipy', 'zarr'])) return
    // Thin blocks, so a part takes long enough to be killed while it writes.
    const args = ['components', volume, '--block-shape', '1,5,6', '--out', at('killed.csv')]
    const args2 = [...args, '--labels-out', `${at('killed.zarr')}#c`]
    const work = at('killed.csv.blocks')
    const dir = join(work, '.blocks')
    const first = await cliAsync([...args2, '--block', '0/3'])
    assert.equal(first.code, 0, first.stderr)

    const child = spawn(process.execPath, [CLI, ...args2, '--block', '1/3'], { cwd: REPO })
    const exited = new Promise((done) => child.on('exit', done))
    let partial = ''
    for (let i = 0; i < 20_000 && !partial; i++) {
      await new Promise((r) => setTimeout(r, 2))
      const name = existsSync(dir)
        ? readdirSync(dir).find((n) => n.startsWith('components-1-of-3.bin.'))
        : undefined
      if (name && statSync(join(dir, name)).size > 0) partial = name
    }
    assert.ok(partial, 'the block started writing')
    child.kill('SIGKILL')
    await exited
    assert.equal(existsSync(join(dir, 'components-1-of-3.json')), false, 'a killed block has no marker')

    // Missing blocks are named, and a failed merge makes no output.
    oneErrorLine([...args2, '--merge'], [work, 'block(s) 1, 2 of 3 missing', '--block 1/3'])
    assert.equal(existsSync(at('killed.csv')), false)
    assert.equal(existsSync(at('killed.zarr')), false)

    for (const i of [1, 2]) {
      const r = await cliAsync([...args2, '--block', `${i}/3`])
      assert.equal(r.code, 0, r.stderr)
    }
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.endsWith('.part')),
      [],
      'the rerun removed the killed try',
    )
    // A block already done is not redone (a cluster may retry every task).
    const again = cliJson<{ skipped: boolean }>([...args2, '--block', '0/3'])
    assert.equal(again.skipped, true)
    const merged = cliJson<Summary>([...args2, '--merge'])
    assert.equal(readFileSync(at('killed.csv'), 'utf8'), readFileSync(at('whole-26.csv'), 'utf8'))
    assert.equal(merged.count, Number(readFileSync(at('whole-26.csv'), 'utf8').trim().split('\n').length - 1))
    assert.deepEqual(await labelsOf(`${at('killed.zarr')}#c`), await labelsOf(`${at('whole.zarr')}#c26`))
  })

  test('bad input: one error line, exit 2, and the blocks already written are kept', async (t) => {
    if (!needPython(t, ['numpy', 'scipy', 'zarr'])) return
    const base = ['components', volume, ...BLOCK_SHAPE]
    oneErrorLine([...base, '--block', '64,64,64'], ['--block 64,64,64', '--block-shape 64,64,64'])
    oneErrorLine([...base, '--block', '3/3', '--out', at('x.csv')], ['--block', 'i/n', "'3/3'"])
    oneErrorLine([...base, '--block', 'a/b', '--out', at('x.csv')], ['--block', "'a/b'"])
    oneErrorLine([...base, '--block', '0/2', '--merge', '--out', at('x.csv')], ['--block and --merge'])
    oneErrorLine([...base, '--block', '0/2'], ['--work DIR'])
    oneErrorLine([...base, '--work', at('w')], ['--work'])

    const work = at('mixed')
    const ours = cliJson<{ skipped: boolean }>([...base, '--work', work, '--block', '0/2'])
    assert.equal(ours.skipped, false)
    const kept = readdirSync(join(work, '.blocks')).sort()
    // Another volume's block, another split, other options: refused before anything is written.
    oneErrorLine(
      ['components', other, ...BLOCK_SHAPE, '--work', work, '--block', '1/2'],
      [work, 'another run'],
    )
    oneErrorLine([...base, '--work', work, '--block', '1/3'], [work, 'another run'])
    oneErrorLine([...base, '--connectivity', '6', '--work', work, '--merge'], [work, 'another run'])
    oneErrorLine(
      [...base, '--work', work, '--merge', '--out', at('mixed.csv')],
      [work, 'block(s) 1 of 2 missing'],
    )
    assert.deepEqual(readdirSync(join(work, '.blocks')).sort(), kept)
    assert.equal(existsSync(at('mixed.csv')), false)
  })
})
