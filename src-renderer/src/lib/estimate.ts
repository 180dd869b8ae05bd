/**
 * How long a pipeline step will take, in words: the card's measured rate times its size. The predict
 * card and the viewer's box drawing show the same line for the same box.
 */

/** Seconds per unit of a step's size, and where the figure comes from (as PipelineCard.rate). */
export interface StepRate {
  seconds: number
  per: 'iteration' | 'voxel'
  basis: string
}

/** "about 40 s" under a minute and a half, else "about 2.5 min". */
export function aboutTime(seconds: number): string {
  return seconds < 90
    ? `about ${Math.max(1, Math.round(seconds))} s`
    : `about ${(seconds / 60).toFixed(1)} min`
}

/** "0.52 M voxels, about 40 s (basis)": what predicting `voxels` takes at `rate` (one per voxel). */
export function voxelEstimate(voxels: number, rate: StepRate): string {
  return `${(voxels / 1e6).toFixed(2)} M voxels, ${aboutTime(voxels * rate.seconds)} (${rate.basis})`
}
