import { join } from 'node:path'
import { runProposals } from '../../src-main/engine/proposals/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import type { Shape3 } from '../../src-main/engine/volume/index.ts'
import { addMitoMap, addVolumeSpec, writeRawHdf5 } from './project-volumes.ts'

/** The image, z, y, x: one crop of the viewer holds all of it. */
export const BOX_IMAGE_SHAPE: Shape3 = [16, 96, 160]
/** The box the map was predicted from and the ROIs were computed on: the image's right part. */
export const BOX = { z0: 0, z1: 16, y0: 0, y1: 96, x0: 64, x1: 160 }
/** Bright cubes of the image, [z0, y0, x0, z1, y1, x1] in the image's voxels, all inside BOX. */
export const CUBES: Array<[number, number, number, number, number, number]> = [
  [4, 40, 100, 12, 56, 116],
  [4, 12, 132, 12, 28, 148],
]
export const CUBE_VALUE = 240

export interface BoxSetProject {
  project: string
  /** The whole image, as the project records it. */
  image: string
  /** The box of it the set was computed from. */
  boxed: string
  /** Another image of the same shape, of nothing the set found. */
  other: string
  map: string
}

function inside(z: number, y: number, x: number, [z0, y0, x0, z1, y1, x1]: (typeof CUBES)[number]): boolean {
  return z >= z0 && z < z1 && y >= y0 && y < y1 && x >= x0 && x < x1
}

/**
 * A project whose one proposal set was computed on a box of its image: the image (a dim texture and two
 * bright cubes), a probability map of the box alone (0.9 in the cubes, in the box's voxels) recording
 * that box as its source, as `activeem predict IMAGE#raw[BOX]` leaves it, the set made from it, and
 * another image of the same shape. The cubes are the ROIs: drawn at their place on the image only when
 * shifted by the box's corner.
 */
export async function boxSetProject(dir: string): Promise<BoxSetProject> {
  const [nz, ny, nx] = BOX_IMAGE_SHAPE
  const pixels = new Uint8Array(nz * ny * nx)
  const otherPixels = new Uint8Array(nz * ny * nx)
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        pixels[i] = CUBES.some((c) => inside(z, y, x, c)) ? CUBE_VALUE : 30 + ((x * 7 + y * 13 + z * 3) % 50)
        otherPixels[i] = 60 + ((x * 3 + y * 5) % 90)
      }
  const image = await writeRawHdf5(join(dir, 'image.h5'), pixels, BOX_IMAGE_SHAPE, [8, 32, 32])
  const other = await writeRawHdf5(join(dir, 'other.h5'), otherPixels, BOX_IMAGE_SHAPE, [8, 32, 32])
  const boxed = `${image}[${BOX.z0}:${BOX.z1},${BOX.y0}:${BOX.y1},${BOX.x0}:${BOX.x1}]`

  const project = Project.init(join(dir, 'project'))
  try {
    await addVolumeSpec(project, image, 'raw', 'image')
    await addVolumeSpec(project, other, 'raw', 'other')
    const map = join(project.dir, 'predictions', 'box.zarr')
    const shape: Shape3 = [BOX.z1 - BOX.z0, BOX.y1 - BOX.y0, BOX.x1 - BOX.x0]
    const p = new Float32Array(shape[0] * shape[1] * shape[2])
    for (let z = 0, i = 0; z < shape[0]; z++)
      for (let y = 0; y < shape[1]; y++)
        for (let x = 0; x < shape[2]; x++, i++)
          p[i] = CUBES.some((c) => inside(z + BOX.z0, y + BOX.y0, x + BOX.x0, c)) ? 0.9 : 0.05
    await addMitoMap(project, map, { source: boxed, p, shape, chunks: [8, 32, 32], name: 'box/mito' })
    await runProposals({ project, task: 'mito' })
    return { project: project.dir, image, boxed, other, map }
  } finally {
    project.close()
  }
}
