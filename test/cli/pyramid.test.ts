import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startCli, waitFor, type Running } from '../helpers/child.ts'
import { cliJson, oneErrorLine, REPO } from '../helpers/cli.ts'
import { needPython, pythonHas, REQUIRED, runPython, tempDir } from '../helpers/peers.ts'

const tmp = tempDir('pyramid')
const h5 = join(tmp.dir, 'volumes.h5')

/** An anisotropic image (6 x 4 x 4 nm, so z halves too), labels with one-voxel objects, a float map. */
const WRITE = `
import sys, h5py, numpy as np
rng = np.random.default_rng(5)
with h5py.File(sys.argv[1], 'w') as f:
    img = f.create_dataset('image', data=rng.integers(0, 256, (9, 600, 530), dtype='uint8'), chunks=(3, 128, 128))
    img.attrs['resolution'] = np.array([6.0, 4.0, 4.0])
    labels = np.zeros((5, 300, 270), dtype='uint32')
    labels[:, 20:200, 30:150] = 7
    labels[2, 100, 100] = 9
    labels[:, 250:, 200:] = rng.integers(0, 4, (5, 50, 70))
    f.create_dataset('labels', data=labels, chunks=(5, 64, 64))
    f.create_dataset('prob', data=rng.random((4, 520, 300), dtype='float32'))
    f.create_dataset('big', data=rng.integers(0, 256, (4, 1800, 1800), dtype='uint8'), chunks=(4, 256, 256))
`

interface Check {
  axes: Array<{ name: string; type: string; unit: string }>
  version: string
  levels: Array<{ shape: number[]; scale: number[]; translation: number[]; equal: boolean }>
}

function check(spec: string, out: string, kind: string, rule?: string): Check {
  const script = readFileSync(join(REPO, 'test/fixtures/check_pyramid.py'), 'utf8')
  return JSON.parse(runPython(script, [spec, out, kind, ...(rule ? [rule] : [])])) as Check
}

const PEERS = ['h5py', 'numpy', 'zarr']

/** Every file of a folder (but the blocks' markers) by its path, as bytes. */
function filesOf(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  for (const f of readdirSync(dir, { recursive: true }).map(String).sort()) {
    if (f.startsWith('.blocks') || statSync(join(dir, f)).isDirectory()) continue
    files.set(f, readFileSync(join(dir, f)))
  }
  return files
}

async function finished(runs: Running[]): Promise<void> {
  for (const run of runs) {
    const r = await run.exited
    assert.equal(r.code, 0, r.stderr)
  }
}

describe(
  'pyramid: OME-Zarr levels equal numpy block reductions',
  { skip: !pythonHas(PEERS) && !REQUIRED },
  () => {
    before(() => {
      runPython(WRITE, [h5])
    })
    after(() => tmp.cleanup())

    test('an anisotropic image: means, z halved once the voxel turns, scales and half-voxel shifts', (t) => {
      if (!needPython(t, PEERS)) return
      const out = join(tmp.dir, 'image.zarr')
      const r = cliJson<{ levels: Array<{ shape: number[] }> }>(['pyramid', `${h5}#image`, '--out', out])
      assert.deepEqual(
        r.levels.map((l) => l.shape),
        [
          [9, 600, 530],
          [5, 300, 265],
          [3, 150, 133],
        ],
      )
      const c = check(`${h5}#image`, out, 'image')
      assert.equal(c.version, '0.4')
      assert.deepEqual(
        c.axes.map((a) => [a.name, a.type, a.unit]),
        ['z', 'y', 'x'].map((n) => [n, 'space', 'nanometer']),
      )
      assert.deepEqual(
        c.levels.map((l) => [l.equal, l.scale, l.translation]),
        [
          [true, [6, 4, 4], [0, 0, 0]],
          [true, [12, 8, 8], [3, 2, 2]],
          [true, [24, 16, 16], [9, 6, 6]],
        ],
      )
    })

    test('labels by mode, and by keep-small, which keeps a one-voxel object', (t) => {
      if (!needPython(t, PEERS)) return
      for (const rule of ['mode', 'keep-small']) {
        const out = join(tmp.dir, `labels-${rule}.zarr`)
        cliJson([
          'pyramid',
          `${h5}#labels`,
          '--out',
          out,
          '--kind',
          'labels',
          '--rule',
          rule,
          '--voxel',
          '40,4,4',
        ])
        const c = check(`${h5}#labels`, out, 'labels', rule)
        assert.ok(c.levels.length >= 2)
        assert.ok(
          c.levels.every((l) => l.equal),
          JSON.stringify(c.levels),
        )
      }
    })

    test('a float map of isotropic voxels (none given): means in float32, z halved with y and x', (t) => {
      if (!needPython(t, PEERS)) return
      const out = join(tmp.dir, 'prob.zarr')
      cliJson(['pyramid', `${h5}#prob`, '--out', out])
      const c = check(`${h5}#prob`, out, 'image')
      assert.deepEqual(
        c.levels.map((l) => [l.shape, l.equal]),
        [
          [[4, 520, 300], true],
          [[2, 260, 150], true],
          [[1, 130, 75], true],
        ],
      )
    })

    test('killed midway, a rerun keeps what was written and ends equal to the reference', async (t) => {
      if (!needPython(t, PEERS)) return
      const out = join(tmp.dir, 'big.zarr')
      const level0 = join(out, '0', '0')
      const run = startCli(['pyramid', `${h5}#big`, '--out', out])
      // Chunk files are y/x under the z folder; a .part is one being written.
      const written = (): number =>
        existsSync(level0)
          ? readdirSync(level0, { recursive: true }).filter((f) => /^\d+\/\d+$/.test(String(f))).length
          : 0
      await waitFor('some level-0 chunks', () => written() >= 4, 60_000, 5)
      run.child.kill('SIGKILL')
      const killed = await run.exited
      assert.equal(killed.signal, 'SIGKILL', 'the run ended before it could be killed')
      const r = cliJson<{ chunksKept: number; chunksWritten: number }>(['pyramid', `${h5}#big`, '--out', out])
      assert.ok(r.chunksKept >= 3, `kept ${r.chunksKept}`)
      assert.ok(r.chunksWritten > 0)
      const c = check(`${h5}#big`, out, 'image')
      assert.ok(c.levels.every((l) => l.equal))
      assert.equal(c.levels.length, 4)
    })

    test('bad input: one error line, and another pyramid is never written over', (t) => {
      if (!needPython(t, PEERS)) return
      oneErrorLine(['pyramid', `${h5}#image`], ['--out is required'])
      oneErrorLine(['pyramid', `${h5}#image`, '--out', join(tmp.dir, 'x.zarr'), '--kind', 'rgb'], ['--kind'])
      oneErrorLine(
        ['pyramid', `${h5}#labels`, '--out', join(tmp.dir, 'image.zarr')],
        ['holds another pyramid'],
      )
      const c = check(`${h5}#image`, join(tmp.dir, 'image.zarr'), 'image')
      assert.ok(c.levels.every((l) => l.equal))
    })

    test('blocks (run at once) then a merge: every file byte-identical to one run, levels equal numpy', async (t) => {
      if (!needPython(t, PEERS)) return
      for (const [name, count, split] of [
        ['big', 3, 1],
        ['image', 2, 0],
      ] as const) {
        const out = join(tmp.dir, `${name}-blocks.zarr`)
        const args = ['pyramid', `${h5}#${name}`, '--out', out, '--json']
        await finished(
          Array.from({ length: count }, (_, i) => startCli([...args, '--block', `${i}/${count}`])),
        )
        const again = cliJson<{ alreadyDone: boolean; split: number }>([
          ...args.slice(0, -1),
          '--block',
          '0/' + count,
        ])
        assert.deepEqual([again.alreadyDone, again.split], [true, split])
        const merged = cliJson<{ chunksWritten: number }>([...args.slice(0, -1), '--merge'])
        assert.ok(merged.chunksWritten > 0)
        const [whole, blocks] = [filesOf(join(tmp.dir, `${name}.zarr`)), filesOf(out)]
        assert.deepEqual([...blocks.keys()], [...whole.keys()])
        for (const [f, bytes] of whole) assert.ok(bytes.equals(blocks.get(f)!), `${name}: ${f} differs`)
        assert.ok(check(`${h5}#${name}`, out, 'image').levels.every((l) => l.equal))
      }
    })

    test('a block killed midway reruns alone, keeping its chunks; the merge still equals one run', async (t) => {
      if (!needPython(t, PEERS)) return
      const out = join(tmp.dir, 'big-killed.zarr')
      const args = ['pyramid', `${h5}#big`, '--out', out]
      const level0 = join(out, '0', '0')
      const written = (): number =>
        existsSync(level0)
          ? readdirSync(level0, { recursive: true }).filter((f) => /^\d+\/\d+$/.test(String(f))).length
          : 0
      const run = startCli([...args, '--block', '0/2'])
      await waitFor('some level-0 chunks of block 0/2', () => written() >= 3, 60_000, 5)
      run.child.kill('SIGKILL')
      assert.equal((await run.exited).signal, 'SIGKILL', 'the block ended before it could be killed')
      assert.ok(!existsSync(join(out, '.blocks', 'pyramid-0-of-2.json')), 'a killed block has no marker')
      cliJson([...args, '--block', '1/2'])
      oneErrorLine([...args, '--merge'], ['block(s) 0 of 2 missing'])
      const rerun = cliJson<{ chunksKept: number; chunksWritten: number }>([...args, '--block', '0/2'])
      assert.ok(rerun.chunksKept >= 3 && rerun.chunksWritten > 0, JSON.stringify(rerun))
      // What a kill mid-chunk leaves beside the chunk (whether this kill did depends on its moment).
      writeFileSync(join(level0, '0', '0.999999.part'), 'torn')
      cliJson([...args, '--merge'])
      const [whole, blocks] = [filesOf(join(tmp.dir, 'big.zarr')), filesOf(out)]
      assert.deepEqual([...blocks.keys()], [...whole.keys()])
      for (const [f, bytes] of whole) assert.ok(bytes.equals(blocks.get(f)!), `${f} differs`)
    })

    test('bad blocks: one error line; a merge names the missing blocks; blocks of another run are refused', (t) => {
      if (!needPython(t, PEERS)) return
      const out = join(tmp.dir, 'prob-blocks.zarr')
      const args = ['pyramid', `${h5}#prob`, '--out', out]
      oneErrorLine([...args, '--block', '2/2'], ['--block', '2/2'])
      oneErrorLine([...args, '--merge', '--block', '0/2'], ['--block and --merge'])
      oneErrorLine([...args, '--merge'], ['no pyramid blocks'])
      cliJson([...args, '--block', '1/3'])
      oneErrorLine([...args, '--merge'], ['block(s) 0, 2 of 3 missing'])
      oneErrorLine([...args, '--block', '0/2'], ['another run'])
      oneErrorLine(['pyramid', `${h5}#image`, '--out', out, '--block', '0/3'], ['another run'])
      cliJson([...args, '--block', '0/3'])
      cliJson([...args, '--block', '2/3'])
      cliJson([...args, '--merge'])
      assert.ok(check(`${h5}#prob`, out, 'image').levels.every((l) => l.equal))
    })
  },
)
