import { resolve } from 'node:path'
import { InputError } from '../errors.ts'
import { normaliseDataset, parseSpec } from './spec.ts'
import { splitRegionSuffix, SubVolume } from './subvolume.ts'
import type { Shape3, Volume } from './types.ts'

/**
 * A volume spec taken apart for comparison: the array it reads (absolute path and dataset, however the
 * user typed them) and where its box starts in that array (0s for the whole array).
 */
export interface SpecPlace {
  /** `ABSOLUTE_PATH#DATASET`, or the absolute path alone for a file or store of one array. */
  array: string
  /** The box's first voxel in the array, z, y, x. */
  origin: Shape3
  /** The trailing box as typed, or '' for the whole array. */
  box: string
}

export function placeOfSpec(spec: string): SpecPlace {
  const { base, box } = splitRegionSuffix(spec)
  let path: string
  let dataset: string | null
  try {
    ;({ path, dataset } = parseSpec(base))
  } catch (e) {
    // A file that is gone still names the array it was: compare by the text.
    if (!(e instanceof InputError)) throw e
    const cut = base.lastIndexOf('#')
    path = cut < 0 ? base : base.slice(0, cut)
    dataset = cut < 0 ? null : normaliseDataset(base.slice(cut + 1)) || null
  }
  const array = dataset ? `${resolve(path)}#${dataset}` : resolve(path)
  return {
    array,
    origin: (box?.map(([start]) => start ?? 0) ?? [0, 0, 0]) as Shape3,
    box: box ? spec.slice(base.length).trim() : '',
  }
}

/** `spec` with its path made absolute (and its dataset normalised), box kept: the same volume from any folder. */
export function absoluteSpecOf(spec: string): string {
  const place = placeOfSpec(spec)
  return place.array + place.box
}

/**
 * Where voxel (0,0,0) of `owner` lies in `shown`: the offset that carries coordinates of the owner into
 * the shown volume's, when both read the same array (the whole array, or boxes of it); null when they
 * read different arrays, whose coordinates have nothing to do with each other.
 */
export function offsetIn(owner: string, shown: string): Shape3 | null {
  const a = placeOfSpec(owner)
  const b = placeOfSpec(shown)
  if (a.array !== b.array) return null
  return [0, 1, 2].map((i) => a.origin[i]! - b.origin[i]!) as Shape3
}

/**
 * The spec a later stage can open again from any working folder: absolute path, dataset, and the box
 * when the volume is one (a prediction of a box records that box, so its results are placed in it).
 */
export function absoluteSpec(volume: Volume): string {
  const whole = volume.dataset ? `${resolve(volume.path)}#${volume.dataset}` : resolve(volume.path)
  if (!(volume instanceof SubVolume)) return whole
  const b = volume.box
  return `${whole}[${b.z0}:${b.z1},${b.y0}:${b.y1},${b.x0}:${b.x1}]`
}
