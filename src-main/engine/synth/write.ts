import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { InputError } from '../errors.ts'
import { loadH5wasm } from '../volume/index.ts'
import { ZarrV3Writer, fullRegion, type Shape3 } from '../volume/index.ts'
import type { SynthVolume } from './generate.ts'

export const SYNTH_FILES = {
  hdf5: 'synthetic.h5',
  zarr: 'synthetic.zarr',
  manifest: 'synthetic.json',
} as const

/** Dataset name -> array, in the order written. Label volumes are instance ids (0 = background). */
function datasets(v: SynthVolume): Array<[string, Uint8Array | Uint32Array]> {
  return [
    ['raw', v.raw],
    ['labels/clefts', v.clefts],
    ['labels/pre', v.pre],
    ['labels/post', v.post],
    ['labels/mito', v.mito],
    ['labels/distractors', v.distractors],
  ]
}

function chunkShape(shape: Shape3): Shape3 {
  return [Math.min(shape[0], 16), Math.min(shape[1], 128), Math.min(shape[2], 128)]
}

export interface SynthOutput {
  hdf5: string
  zarr: string
  manifest: string
}

/**
 * Writes the volume as HDF5 and Zarr v3 beside a JSON manifest. Everything is written into a hidden
 * folder first and moved into place at the end, so an interrupted run leaves no half-written file.
 */
export async function writeSynthetic(
  v: SynthVolume,
  outDir: string,
  meta: { seed: number },
): Promise<SynthOutput> {
  const out = resolve(outDir)
  const targets = Object.values(SYNTH_FILES).map((f) => join(out, f))
  const existing = targets.filter((t) => existsSync(t))
  if (existing.length)
    throw new InputError(`${existing[0]}: already exists; remove it or choose another --out`)
  mkdirSync(out, { recursive: true })
  const staging = join(out, `.synthetic-partial-${process.pid}`)
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging)
  try {
    const chunks = chunkShape(v.shape)
    const attrs = { resolution_nm_zyx: v.resolutionNm, generator: 'activeem-synth', seed: meta.seed }

    const h5 = await loadH5wasm()
    const file = new h5.File(join(staging, SYNTH_FILES.hdf5), 'w')
    try {
      for (const [key, value] of Object.entries(attrs)) file.create_attribute(key, value as never)
      file.create_group('labels')
      for (const [name, data] of datasets(v)) {
        const ds = file.create_dataset({
          name,
          data,
          shape: v.shape,
          dtype: data instanceof Uint8Array ? '<B' : '<I',
          chunks,
          compression: 'gzip',
          compression_opts: 4,
        })
        ds.create_attribute('resolution', v.resolutionNm, [3], '<d')
      }
    } finally {
      file.close()
    }

    const zarr = new ZarrV3Writer(join(staging, SYNTH_FILES.zarr))
    await zarr.group('', attrs)
    for (const [name, data] of datasets(v)) {
      const arr = await zarr.array(name, {
        shape: v.shape,
        chunks,
        dtype: data instanceof Uint8Array ? 'uint8' : 'uint32',
        attributes: { resolution: v.resolutionNm },
      })
      await arr.writeRegion(fullRegion(v.shape), data)
    }

    const manifest = {
      generator: 'activeem-synth',
      seed: meta.seed,
      shape: v.shape,
      resolutionNm: v.resolutionNm,
      counts: v.counts,
      datasets: datasets(v).map(([name]) => name),
      synapses: v.synapses,
    }
    writeFileSync(join(staging, SYNTH_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`)

    for (const f of Object.values(SYNTH_FILES)) renameSync(join(staging, f), join(out, f))
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
  return {
    hdf5: join(out, SYNTH_FILES.hdf5),
    zarr: join(out, SYNTH_FILES.zarr),
    manifest: join(out, SYNTH_FILES.manifest),
  }
}
