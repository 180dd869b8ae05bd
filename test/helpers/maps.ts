import { join } from 'node:path'
import { Project } from '../../src-main/engine/store/index.ts'
import { generateSynthetic, writeSynthetic, type SynthVolume } from '../../src-main/engine/synth/index.ts'
import { fullRegion, openVolume, ZarrV3Writer, type Shape3 } from '../../src-main/engine/volume/index.ts'

export interface MapProject {
  project: string
  raw: string
  map: string
  volume: SynthVolume
}

/**
 * A project holding a synthetic volume and a probability map made from its ground truth (0.9 inside
 * an object, 0.05 outside): what `activeem predict` leaves for the stages after it, without training.
 */
export async function mapProject(dir: string, shape: Shape3, seed: number): Promise<MapProject> {
  const volume = generateSynthetic({ shape, seed })
  const files = await writeSynthetic(volume, join(dir, 'data'), { seed })
  const raw = `${files.hdf5}#raw`
  const project = Project.init(join(dir, 'project'))
  try {
    const group = join(project.dir, 'predictions', 'truth.zarr')
    const writer = new ZarrV3Writer(group)
    await writer.group('', { source: raw, channels: ['pre', 'post', 'union', 'mito'] })
    const p = (inside: (i: number) => boolean): Float32Array =>
      new Float32Array(volume.raw.length).map((_, i) => (inside(i) ? 0.9 : 0.05))
    const channels: Record<string, Float32Array> = {
      pre: p((i) => volume.pre[i] !== 0),
      post: p((i) => volume.post[i] !== 0),
      union: p((i) => volume.pre[i] !== 0 || volume.post[i] !== 0 || volume.clefts[i] !== 0),
      mito: p((i) => volume.mito[i] !== 0),
    }
    for (const [name, data] of Object.entries(channels)) {
      const arr = await writer.array(name, { shape, chunks: [8, 64, 64], dtype: 'float32' })
      await arr.writeRegion(fullRegion(shape), data)
      const v = await openVolume(`${group}#${name}`)
      try {
        project.addVolume(v, { role: 'prediction', name: `truth/${name}` })
      } finally {
        v.close()
      }
    }
    return { project: project.dir, raw, map: group, volume }
  } finally {
    project.close()
  }
}
