import { join } from 'node:path'
import { readFeatures } from '../embed/index.ts'
import { InputError } from '../errors.ts'
import { proposalSet, roisOf, type ProposalSet, type Roi } from '../proposals/index.ts'
import type { Project } from '../store/index.ts'
import type { Matrix } from './features.ts'
import { queriedRois, saveRound, type Round } from './rounds.ts'
import type { Strategy } from './strategies/registry.ts'
import { suggest, type SuggestInput, type SuggestParams } from './suggest.ts'

export interface SetData {
  set: ProposalSet
  rois: Roi[]
  mask: Matrix
  image: Matrix
  meanProbability: Float64Array
}

/** A proposal set with its ROIs and features, rows aligned (row i = rois[i]). */
export async function loadSetData(project: Project, setId?: number): Promise<SetData> {
  const rois = loadSetRois(project, setId)
  return {
    ...rois,
    ...(await readSetFeatures(
      join(project.dir, rois.set.dir, 'features.h5'),
      rois.set,
      rois.rois,
      project.dir,
    )),
  }
}

/** A proposal set and its ROIs, without features. */
export function loadSetRois(project: Project, setId?: number): Omit<SetData, 'mask' | 'image'> {
  const set = proposalSet(project, setId)
  if (!set)
    throw new InputError(
      setId === undefined
        ? `${project.dir}: no proposal set; run 'activeem proposals' first`
        : `--set ${setId}: no such proposal set`,
    )
  const rois = roisOf(project, set.id)
  return { set, rois, meanProbability: Float64Array.from(rois, (r) => r.mean) }
}

/** The mask and image features in `file` (the set's own features.h5, or another embedding of it). */
export async function readSetFeatures(
  file: string,
  set: ProposalSet,
  rois: readonly Roi[],
  projectDir: string,
): Promise<{ mask: Matrix; image: Matrix }> {
  let f
  try {
    f = await readFeatures(file)
  } catch {
    throw new InputError(
      `proposal set ${set.id} has no features; run 'activeem embed --project ${projectDir}' first`,
    )
  }
  if (f.roi.length !== rois.length || rois.some((r, i) => r.id !== f.roi[i]))
    throw new InputError(
      `proposal set ${set.id}: its features do not match its ROIs; run 'activeem embed' again`,
    )
  return {
    mask: { n: rois.length, d: f.maskDim, data: f.mask },
    image: { n: rois.length, d: f.imageDim, data: f.image },
  }
}

/** `activeem suggest`: the next round of queries for the set, stored. */
export async function suggestRound(
  project: Project,
  strategy: Strategy,
  params: SuggestParams,
  setId?: number,
): Promise<Round> {
  const data = await loadSetData(project, setId)
  const queried = queriedRois(project, data.set.id)
  const annotated = new Set<number>()
  data.rois.forEach((r, i) => {
    if (queried.has(r.id)) annotated.add(i)
  })
  const input: SuggestInput = {
    mask: data.mask,
    image: data.image,
    meanProbability: data.meanProbability,
    annotated,
  }
  const s = await suggest(strategy, input, params)
  return saveRound(
    project,
    data.set.id,
    data.rois.map((r) => r.id),
    s,
    { ...params },
  )
}
