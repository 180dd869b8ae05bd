/**
 * A project with one synapse proposal set of N ROIs (default 5,000) and one round that queries all of
 * them (or the first `asked`) in 50-100 clusters, made with the engine's own functions (real SQLite, a real patches.h5), for
 * the query grid's scroll test and benchmark. The patches are drawn (a cleft with pre- and post-synaptic
 * sides at a random angle over textured grey), or tiled from an existing patches.h5.
 */
import { mkdirSync, renameSync } from 'node:fs'
import { join, relative } from 'node:path'
import { readPatches, writePatches, type PatchSet } from '../../engine/proposals/index.ts'
import { saveProposalSet, type Roi } from '../../engine/proposals/index.ts'
import { Project } from '../../engine/store/index.ts'
import { saveRound } from '../../engine/suggest/index.ts'
import type { Query } from '../../engine/suggest/index.ts'
import { createRng, type Rng } from '../../engine/random.ts'

export interface BigRoundOptions {
  /** ROIs in the set, all of them queried; default 5000. */
  n?: number
  /** Number of clusters; default drawn in [50, 100]. */
  clusters?: number
  seed?: number
  /** Tile the thumbnails of this patches.h5 instead of drawing synthetic ones. */
  from?: string
  /** How many ROIs the round asks (ROIs 1..asked); default all, so a later round has none left to ask. */
  asked?: number
}

export interface BigRound {
  dir: string
  setId: number
  roundId: number
  /** ROI ids in display order (cluster, then distance), as round.get lists them. */
  rois: number[]
  clusterOf: Map<number, number>
  clusters: number
  size: number
}

const SIZE = 64

/** One synthetic synapse: grey texture, a dark cleft line, pre side +1 and post side -1 in the mask. */
function drawSynapse(rng: Rng, image: Uint8Array, mask: Int8Array, at: number): void {
  const s = SIZE
  const angle = rng.range(0, Math.PI)
  const [nx, ny] = [Math.cos(angle), Math.sin(angle)]
  const half = rng.range(10, 22)
  const depth = rng.range(5, 9)
  const cx = s / 2 + rng.range(-4, 4)
  const cy = s / 2 + rng.range(-4, 4)
  const base = rng.range(120, 175)
  const f1 = rng.range(0.15, 0.4)
  const f2 = rng.range(0.15, 0.4)
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const dx = x - cx
      const dy = y - cy
      const across = dx * nx + dy * ny
      const along = -dx * ny + dy * nx
      let g = base + 14 * Math.sin(f1 * x + 3 * Math.cos(f2 * y)) + 10 * rng.normal()
      const inSpan = Math.abs(along) < half
      if (inSpan && Math.abs(across) < 1.5) g -= 85
      if (inSpan && across > 1.5 && across < 4) g -= 45
      // Vesicles on the pre-synaptic side.
      if (inSpan && across < -2 && across > -depth - 6 && Math.sin(x * 1.3) * Math.sin(y * 1.3) > 0.6) g -= 40
      image[at + y * s + x] = Math.max(0, Math.min(255, Math.round(g)))
      // Each side is a half-ellipse against the cleft: the pre side deeper than the post side.
      const r = (along / half) ** 2
      let m = 0
      if (across <= 0 && r + (across / depth) ** 2 < 1) m = 1
      else if (across > 0 && r + (across / (depth * 0.6)) ** 2 < 1) m = -1
      mask[at + y * s + x] = m
    }
  }
}

async function patchesFor(n: number, rng: Rng, from: string | undefined): Promise<PatchSet> {
  const source = from ? await readPatches(from) : null
  const s = source?.size ?? SIZE
  const area = s * s
  const thumbImage = new Uint8Array(n * area)
  const thumbMask = new Int8Array(n * area)
  for (let i = 0; i < n; i++) {
    if (!source) {
      drawSynapse(rng, thumbImage, thumbMask, i * area)
      continue
    }
    const row = i % source.roi.length
    const image = source.thumbImage.subarray(row * area, (row + 1) * area)
    if (!(image instanceof Uint8Array)) throw new Error(`${from}: big-round tiles uint8 thumbnails only`)
    thumbImage.set(image, i * area)
    thumbMask.set(source.thumbMask.subarray(row * area, (row + 1) * area), i * area)
  }
  return {
    size: s,
    roi: Uint32Array.from({ length: n }, (_, i) => i + 1),
    // The aligned patches are not what the grid shows: the thumbnails stand in for them.
    image: thumbImage,
    mask: thumbMask,
    thumbImage,
    thumbMask,
    slice: new Int32Array(n),
    angle: new Float32Array(n),
    flipped: new Uint8Array(n),
  }
}

export async function buildBigRound(dir: string, options: BigRoundOptions = {}): Promise<BigRound> {
  const n = options.n ?? 5000
  const rng = createRng(options.seed ?? 7)
  const k = options.clusters ?? rng.int(50, 101)
  const project = Project.init(dir, `grid-${n}`)
  try {
    const patches = await patchesFor(n, rng, options.from)
    const staging = join(project.dir, 'proposals', 'staging')
    mkdirSync(staging, { recursive: true })
    await writePatches(join(staging, 'patches.h5'), patches, { task: 'synapse', synthetic: true })

    const rois: Array<Omit<Roi, 'setId'>> = []
    for (let i = 0; i < n; i++) {
      const z = i % 200
      const y = (Math.floor(i / 200) * 40) % 4000
      const x = (i * 37) % 4000
      rois.push({
        id: i + 1,
        ...{ z0: z, y0: y, x0: x, z1: z + 4, y1: y + 24, x1: x + 24 },
        voxels: 600 + (i % 400),
        ...{ cz: z + 2, cy: y + 12, cx: x + 12 },
        mean: 0.5 + (i % 50) / 100,
        max: 1,
        polarity: null,
        alignment: null,
      })
    }
    const set = saveProposalSet(
      project,
      {
        task: 'synapse',
        map: join(project.dir, 'synthetic.zarr'),
        raw: null,
        params: { synthetic: true },
        count: n,
      },
      rois,
      (id) => {
        const placed = join(project.dir, 'proposals', `set-${id}`)
        renameSync(staging, placed)
        return relative(project.dir, placed)
      },
    )

    // Uneven cluster sizes, as k-means gives them: every cluster has at least one member.
    const assignment = new Int32Array(n)
    for (let i = 0; i < n; i++) assignment[i] = i < k ? i : Math.floor(k * rng.next() ** 1.5)
    const distance = Float64Array.from({ length: n }, () => rng.range(0, 3))
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => assignment[a]! - assignment[b]! || distance[a]! - distance[b]!,
    )
    const asked = options.asked ?? n
    const queries: Query[] = order
      .filter((index) => index < asked)
      .map((index) => ({
        index,
        cluster: assignment[index]!,
        distance: distance[index]!,
      }))
    const roiIds = rois.map((r) => r.id)
    const round = saveRound(
      project,
      set.id,
      roiIds,
      { strategy: 'random', queries, assignment, clusters: k, notes: ['synthetic round for the grid tests'] },
      { synthetic: true, n, clusters: k },
    )
    return {
      dir: project.dir,
      setId: set.id,
      roundId: round.id,
      rois: round.queries.map((q) => q.roi),
      clusterOf: new Map(round.queries.map((q) => [q.roi, q.cluster])),
      clusters: k,
      size: patches.size,
    }
  } finally {
    project.close()
  }
}
