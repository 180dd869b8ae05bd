import { InputError } from '../errors.ts'
import { offsetIn, splitRegionSuffix, type Shape3 } from '../volume/index.ts'
import { recordedSource } from './maps.ts'
import type { ProposalSet } from './rois.ts'

/**
 * Where a set's voxel (0,0,0) lies in `volume`: the set's boxes mean something only on the raw volume
 * they were computed from, or on the whole array of which that raw volume is a box (shifted by the box's
 * corner). On any other volume they would outline unrelated structure, so asking is refused.
 */
export function setOffsetIn(set: Pick<ProposalSet, 'id' | 'raw'>, volume: string): Shape3 {
  if (set.raw === null)
    throw new InputError(
      `ROIs of set ${set.id} do not record the raw volume they were computed from; not shown on ${volume}`,
    )
  const offset = offsetIn(set.raw, volume)
  if (!offset) throw new InputError(`ROIs of set ${set.id} belong to ${set.raw}; not shown on ${volume}`)
  return offset
}

/**
 * Where voxel (0,0,0) of the probability map `spec` (GROUP#CHANNEL) lies in `volume`: a map is overlaid
 * only on the raw volume it was predicted from, or the whole array of which that was a box. Null for a
 * map that records no raw volume (one imported from elsewhere): it is shown wherever its shape fits.
 */
export function mapOffsetIn(spec: string, volume: string): Shape3 | null {
  const base = splitRegionSuffix(spec).base
  const cut = base.lastIndexOf('#')
  const source = cut > 0 ? recordedSource(base.slice(0, cut)) : null
  if (!source) return null
  const offset = offsetIn(source, volume)
  if (!offset)
    throw new InputError(`probability map ${spec} was predicted from ${source}; not overlaid on ${volume}`)
  return offset
}
