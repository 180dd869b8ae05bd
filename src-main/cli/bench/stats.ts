import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InputError } from '../../engine/errors.ts'
import { computeStats, openVolume } from '../../engine/volume/index.ts'
import { round } from './measure.ts'
import { PYTHON } from './peers.ts'

const PEER = fileURLToPath(new URL('../../../resources/bench/peer_stats.py', import.meta.url))
const SHAPE = [128, 1024, 1024]

function python(args: string[]): string {
  const r = spawnSync(PYTHON, [PEER, ...args], { encoding: 'utf8' })
  if (r.status !== 0)
    throw new InputError(
      `bench: the Python peer failed (${PYTHON} with numpy, h5py, zarr): ${r.stderr.trim().split('\n').at(-1)}`,
    )
  return r.stdout
}

/** Voxel bytes per stored byte of a uint8 Zarr v2 array (its chunk files, not its metadata). */
function compression(dir: string, voxels: number): number {
  const stored = readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0)
  return voxels / stored
}

/**
 * computeStats over a 128x1024x1024 uint8 volume stored as HDF5 (gzip) and as Zarr (blosc), against
 * h5py and zarr with numpy: the Python peer writes both into `dir` once, and the means must agree.
 * The first Zarr volume is noise, which blosc stores as-is; the smooth ones are data blosc really
 * compresses (lz4, zarr-python's default, and zstd), so their rows time decompression. Each side
 * runs twice in one process: `ours_s` against `peer_s` is the first pass (ours starts its decode
 * workers and compiles the wasm codec then; the peer's includes importing zarr or h5py), the `_warm`
 * figures the second.
 */
export async function benchStats(dir: string): Promise<void> {
  if (!existsSync(join(dir, 'bench.zarr'))) python(['write', dir, ...SHAPE.map(String)])
  if (!existsSync(join(dir, 'bench-smooth-lz4.zarr'))) python(['write-smooth', dir, ...SHAPE.map(String)])
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
    ...(['lz4', 'zstd'] as const).map(
      (cname) =>
        [
          `stats_zarr_blosc_${cname}_smooth_uint8_128x1024x1024`,
          join(dir, `bench-smooth-${cname}.zarr`),
          [join(dir, `bench-smooth-${cname}.zarr`)],
          'zarr+numpy',
        ] as const,
    ),
  ] as const) {
    const pass = async (): Promise<{ seconds: number; mean: number }> => {
      const volume = await openVolume(spec)
      const t0 = performance.now()
      const { mean } = await computeStats(volume)
      const seconds = (performance.now() - t0) / 1000
      volume.close()
      return { seconds, mean }
    }
    const { seconds: oursS, mean } = await pass()
    const ours = { mean }
    const oursWarm = (await pass()).seconds
    const theirs = JSON.parse(python(['stats', ...peerArgs])) as {
      seconds: number
      seconds_warm: number
      mean: number
    }
    if (Math.abs(theirs.mean - ours.mean) > 1e-9 * ours.mean)
      throw new Error(`${name}: means differ (${ours.mean} vs ${theirs.mean})`)
    const line = {
      name,
      ours_s: round(oursS),
      peer,
      peer_s: round(theirs.seconds),
      ratio: round(oursS / theirs.seconds),
      ours_warm_s: round(oursWarm),
      peer_warm_s: round(theirs.seconds_warm),
      ratio_warm: round(oursWarm / theirs.seconds_warm),
      voxels_per_s: Math.round(voxels / oursS),
      ...(spec.endsWith('.zarr') ? { compression: round(compression(spec, voxels)) } : {}),
    }
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
}
