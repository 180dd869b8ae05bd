import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InputError } from '../../engine/errors.ts'
import { computeStats, openVolume } from '../../engine/volume/index.ts'
import { parse } from '../args.ts'

export const usage = 'activeem bench [--dir DIR] [--json]'

const PEER = fileURLToPath(new URL('../../../resources/bench/peer_stats.py', import.meta.url))
const PYTHON = process.env.ACTIVEEM_PYTHON ?? '/usr/bin/python3'
const SHAPE = [128, 1024, 1024]

function python(args: string[]): string {
  const r = spawnSync(PYTHON, [PEER, ...args], { encoding: 'utf8' })
  if (r.status !== 0)
    throw new InputError(
      `bench: the Python peer failed (${PYTHON} with numpy, h5py, zarr): ${r.stderr.trim().split('\n').at(-1)}`,
    )
  return r.stdout
}

/**
 * Figures against the field's own tools, one JSON line each: {"name","ours_s","peer","peer_s","ratio"}.
 * Each stage adds its lines as it lands; ratios under 1 mean ActiveEM is faster.
 */
export async function bench(argv: string[]): Promise<void> {
  const { values } = parse('bench', argv, { dir: { type: 'string' } }, { min: 0, max: 0, usage })
  const dir = values.dir ?? join(tmpdir(), 'activeem-bench')
  mkdirSync(dir, { recursive: true })
  if (!existsSync(join(dir, 'bench.zarr'))) python(['write', dir, ...SHAPE.map(String)])
  const voxels = SHAPE.reduce((a, b) => a * b, 1)
  for (const [name, spec, peerArgs, peer] of [
    [
      'stats_hdf5_gzip_uint8_128x1024x1024',
      `${join(dir, 'bench.h5')}#raw`,
      [join(dir, 'bench.h5'), 'raw'],
      'h5py+numpy',
    ],
    [
      'stats_zarr_blosc_uint8_128x1024x1024',
      join(dir, 'bench.zarr'),
      [join(dir, 'bench.zarr')],
      'zarr+numpy',
    ],
  ] as const) {
    const volume = await openVolume(spec)
    const t0 = performance.now()
    const ours = await computeStats(volume)
    const oursS = (performance.now() - t0) / 1000
    volume.close()
    const theirs = JSON.parse(python(['stats', ...peerArgs])) as { seconds: number; mean: number }
    if (Math.abs(theirs.mean - ours.mean) > 1e-9 * ours.mean)
      throw new Error(`${name}: means differ (${ours.mean} vs ${theirs.mean})`)
    const line = {
      name,
      ours_s: round(oursS),
      peer,
      peer_s: round(theirs.seconds),
      ratio: round(oursS / theirs.seconds),
      voxels_per_s: Math.round(voxels / oursS),
    }
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
