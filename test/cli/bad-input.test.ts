import assert from 'node:assert/strict'
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { join, relative } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { loadH5wasm } from '../../src-main/engine/volume/hdf5.ts'
import { ZarrV3Writer } from '../../src-main/engine/volume/index.ts'
import { cliJson, runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/peers.ts'

const tmp = tempDir('bad-input')
const at = (...p: string[]): string => join(tmp.dir, ...p)

/** Every file under the temp folder with its size: "nothing written half" means this does not change. */
function snapshot(): Record<string, number> {
  const out: Record<string, number> = {}
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      const st = statSync(p)
      if (st.isDirectory()) walk(p)
      else out[relative(tmp.dir, p)] = st.size
    }
  }
  walk(tmp.dir)
  return out
}

/** Exit 2, nothing on stdout, exactly one `error:` line naming what it must name, nothing written. */
function expectBadInput(args: string[], mentions: Array<string | RegExp>): string {
  const before = snapshot()
  const r = runCli(args)
  assert.equal(r.code, 2, `exit code for ${args.join(' ')}: ${r.stderr}`)
  assert.equal(r.stdout, '')
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`)
  assert.match(lines[0]!, /^error: /)
  assert.doesNotMatch(lines[0]!, /\bat .*:\d+:\d+/, 'no stack trace')
  for (const m of mentions) {
    if (typeof m === 'string') assert.ok(lines[0]!.includes(m), `'${lines[0]}' should mention '${m}'`)
    else assert.match(lines[0]!, m)
  }
  assert.deepEqual(snapshot(), before, 'the command changed files on disk')
  return lines[0]!
}

describe('bad input: exit 2, one clear line, nothing half-written', () => {
  before(async () => {
    const h5 = await loadH5wasm()
    const f = new h5.File(at('fixture.h5'), 'w')
    f.create_dataset({
      name: 'raw',
      data: new Uint8Array(4 * 64 * 64).map((_, i) => i % 251),
      shape: [4, 64, 64],
      dtype: '<B',
      chunks: [2, 32, 32],
      compression: 'gzip',
    })
    f.create_dataset({ name: 'image_2d', data: new Uint8Array(100), shape: [10, 10], dtype: '<B' })
    f.create_dataset({ name: 'names', data: ['pre', 'post'], shape: [1, 1, 2] })
    f.close()
    copyFileSync(at('fixture.h5'), at('truncated.h5'))
    truncateSync(at('truncated.h5'), Math.floor(statSync(at('fixture.h5')).size / 2))
    writeFileSync(at('notes.txt'), 'this is not a volume\n')
    mkdirSync(at('empty.zarr'))
    const z = new ZarrV3Writer(at('broken.zarr'))
    const arr = await z.array('raw', { shape: [4, 16, 16], chunks: [2, 16, 16], dtype: 'uint16' })
    await arr.writeRegion(
      { z0: 0, z1: 4, y0: 0, y1: 16, x0: 0, x1: 16 },
      new Uint16Array(4 * 16 * 16).fill(7),
    )
    truncateSync(at('broken.zarr', 'raw', 'c', '1', '0', '0'), 5)
    const intensities = await new ZarrV3Writer(at('float.zarr')).array('raw', {
      shape: [4, 16, 16],
      chunks: [2, 16, 16],
      dtype: 'float32',
    })
    await intensities.writeRegion(
      { z0: 0, z1: 4, y0: 0, y1: 16, x0: 0, x1: 16 },
      new Float32Array(4 * 16 * 16).map((_, i) => i % 256),
    )
    cliJson(['project', 'init', at('project')])
  })
  after(() => tmp.cleanup())

  test('a missing path', () => {
    expectBadInput(['info', at('missing.h5')], [at('missing.h5'), 'no such file'])
    expectBadInput(['info', `${at('missing.h5')}#raw`, '--stats'], [at('missing.h5')])
  })

  test('a file that is neither HDF5 nor Zarr', () => {
    expectBadInput(['info', at('notes.txt')], [at('notes.txt'), 'not an HDF5 file'])
    expectBadInput(['info', at('empty.zarr')], [at('empty.zarr'), 'not a Zarr store'])
  })

  test('a truncated HDF5 file', () => {
    expectBadInput(['info', at('truncated.h5')], [at('truncated.h5'), 'truncated'])
    expectBadInput(['info', `${at('truncated.h5')}#raw`, '--stats'], [at('truncated.h5'), 'truncated'])
  })

  test('a corrupt Zarr chunk names the array and the chunk', () => {
    expectBadInput(
      ['info', `${at('broken.zarr')}#raw`, '--stats'],
      [`${at('broken.zarr')}#raw`, 'chunk c/1/0/0', 'cannot decode'],
    )
  })

  test('a missing dataset lists the ones that exist', () => {
    expectBadInput(['info', `${at('fixture.h5')}#nope`, '--stats'], [at('fixture.h5'), "'nope'", 'raw'])
    expectBadInput(['info', `${at('broken.zarr')}#nope`], [at('broken.zarr'), "'nope'", 'raw'])
  })

  test('components: a float volume that is not probabilities, a 2D array, connectivity 7', () => {
    const float = `${at('float.zarr')}#raw`
    const labelsOut = `${at('labels.zarr')}#cc`
    expectBadInput(
      ['components', float, '--labels-out', labelsOut, '--out', at('rois.csv')],
      [float, 'float32 values from 0 to 255', 'not probabilities', '--threshold'],
    )
    expectBadInput(['components', `${at('fixture.h5')}#image_2d`], [`${at('fixture.h5')}#image_2d`, '3D'])
    expectBadInput(
      ['components', `${at('fixture.h5')}#raw`, '--connectivity', '7'],
      ['--connectivity', '6, 18, 26', "'7'"],
    )
    expectBadInput(
      ['components', `${at('fixture.h5')}#raw`, '--dilate', '1,2'],
      ['--dilate', '3 comma-separated'],
    )
    expectBadInput(
      ['components', `${at('fixture.h5')}#raw`, '--labels-out', at('labels.zarr')],
      ['--labels-out', 'PATH#DATASET'],
    )
  })

  test('a non-3D array', () => {
    expectBadInput(
      ['info', `${at('fixture.h5')}#image_2d`, '--stats'],
      [`${at('fixture.h5')}#image_2d`, 'expected a 3D array', '2D'],
    )
  })

  test('an unsupported dtype', () => {
    expectBadInput(
      ['info', `${at('fixture.h5')}#names`, '--stats'],
      [`${at('fixture.h5')}#names`, "unsupported dtype 'string'"],
    )
  })

  test('a region out of bounds writes no output file', () => {
    const spec = `${at('fixture.h5')}#raw`
    expectBadInput(
      ['read', spec, '--region', '0:5,0:8,0:8', '--out', at('region.npy')],
      [spec, 'z 0:5', 'out of bounds', '<= 4'],
    )
    expectBadInput(['read', spec, '--region', '0:1,0:8,60:70'], [spec, 'x 60:70'])
    expectBadInput(['read', spec, '--region', '0:1,0:8'], ['--region', 'z0:z1,y0:y1,x0:x1'])
  })

  test('importing a bad volume leaves the project unchanged', () => {
    const project = at('project')
    expectBadInput(['project', 'import', project, `${at('fixture.h5')}#image_2d`], ['expected a 3D array'])
    expectBadInput(
      ['project', 'import', project, `${at('fixture.h5')}#raw`, '--role', 'mask'],
      ['--role', 'raw, labels, prediction'],
    )
    expectBadInput(
      ['project', 'import', at('nowhere'), `${at('fixture.h5')}#raw`],
      [at('nowhere'), 'no such project'],
    )
    assert.deepEqual(cliJson<{ volumes: unknown[] }>(['project', 'show', project]).volumes, [])
  })

  test('project init refuses a non-empty folder and an existing project', () => {
    expectBadInput(['project', 'init', tmp.dir], [tmp.dir, 'not empty'])
    expectBadInput(['project', 'init', at('project')], [at('project'), 'already an ActiveEM project'])
    expectBadInput(['project', 'show', at('empty.zarr')], [at('empty.zarr'), 'not an ActiveEM project'])
  })

  test('bad flags and commands', () => {
    expectBadInput(['synth', '--out', at('synth'), '--shape', '4,0,9'], ['--shape', "'4,0,9'"])
    expectBadInput(['synth', '--out', at('synth'), '--seed', '-3'], ['--seed'])
    expectBadInput(['info', at('fixture.h5'), '--bogus'], ["'--bogus'"])
    expectBadInput(['frobnicate'], ["unknown command 'frobnicate'"])
    expectBadInput(['info'], ['info: expected 1 argument'])
  })

  test('the good path still works on the same fixtures', () => {
    const r = cliJson<{ stats: { min: number; max: number } }>(['info', `${at('fixture.h5')}#raw`, '--stats'])
    assert.deepEqual([r.stats.min, r.stats.max], [0, 250])
    assert.ok(readFileSync(at('fixture.h5')).length > 0)
  })
})
