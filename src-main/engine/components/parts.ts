import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import {
  formatPart,
  isBlockDone,
  listMarkers,
  markerDir,
  partOf,
  requireAllBlocks,
  requireSameRun,
  runKey,
  writeMarker,
  type BlockMarker,
  type BlockPart,
} from '../block-jobs/index.ts'
import { InputError } from '../errors.ts'
import { throwIfCancelled } from '../jobs/index.ts'
import type { Region, Shape3, Volume } from '../volume/index.ts'
import {
  addBlockStats,
  planLabeling,
  resultOf,
  type BlockwiseOptions,
  type BlockwiseResult,
} from './blockwise.ts'
import { FACE_NAMES, faceLengths, FaceJoiner, facesOf, type Faces } from './faces.ts'
import { paintRuns, type LabeledRuns } from './label.ts'
import { BOX, FIELDS, ProvisionalTable } from './provisional.ts'

/**
 * Where the blocks of one run keep their files and how they recognise each other: every block of a run
 * is given the same folder and computes the same key from the same arguments, without talking to the
 * others. Files and markers go in markerDir(work).
 */
export interface PartFiles {
  work: string
  /** Names the files and markers ('components', 'proposals'): two commands may share a folder. */
  command: string
  key: string
}

/** What a block's marker records: its data file and, per block of the labeling, where its data lies. */
interface PartRecord {
  file: string
  bytes: number
  /** [block index in raster order, provisional components, runs] per labeling block of the part. */
  units: Array<[number, number, number]>
  provisional: number
}

export interface PartResult {
  part: BlockPart
  /** Labeling blocks (chunk-aligned) in this part, of all of the volume's. */
  units: number
  of: number
  provisional: number
  bytes: number
  /** The part was already done (its marker and file were there): nothing was redone. */
  skipped: boolean
}

/**
 * The key of a split labeling: what decides its provisional ids (input, threshold, connectivity,
 * morphology, block shape). The size filter and the outputs are the merge's alone, so they are not in it.
 */
export function partsKey(command: string, input: string, volume: Volume, o: BlockwiseOptions): string {
  const plan = planLabeling(volume, o)
  return runKey(
    command,
    input,
    volume.shape,
    volume.dtype,
    plan.threshold,
    plan.connectivity,
    o.morphology ?? null,
    plan.block,
  )
}

function dataFile(at: PartFiles, part: BlockPart): string {
  return join(markerDir(at.work), `${at.command}-${part.index}-of-${part.count}.bin`)
}

/**
 * One unit's bytes in a part file: statistics columns (float64, then int32), the six faces, then the
 * runs (rowStart, starts, ends, label). Native byte order: every machine of a cluster that runs this is
 * little-endian.
 */
function sections(shape: Shape3, n: number, runs: number): number[] {
  const rows = shape[0] * shape[1]
  return [
    FIELDS.length * n * 8,
    BOX.length * n * 4,
    ...faceLengths(shape).map((l) => l * 4),
    (rows + 1) * 4,
  ].concat([runs * 4, runs * 4, runs * 4])
}

function shapeOf(r: Region): Shape3 {
  return [r.z1 - r.z0, r.y1 - r.y0, r.x1 - r.x0]
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

function readAt(fd: number, position: number, into: ArrayBufferView, file: string): void {
  const bytes = bytesOf(into)
  let done = 0
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, position + done)
    if (n === 0) throw new InputError(`${file}: ends early; rerun its block`)
    done += n
  }
}

function markerOf(at: PartFiles, part: BlockPart): BlockMarker | undefined {
  return listMarkers(at.work, at.command).find(
    (m) => m.key === at.key && m.index === part.index && m.count === part.count,
  )
}

/**
 * Block `part` of a split labeling: labels its contiguous run of the volume's chunk-aligned blocks (read
 * with the morphology's halo) and writes, per block, its components' statistics, its six faces and its
 * runs to one file, then its marker. It writes nothing else: the merge, one process, does what needs the
 * whole volume. A part whose marker and file are there is not redone, so a cluster's retry of every
 * task costs only the ones that died.
 */
export async function labelPart(
  volume: Volume,
  o: BlockwiseOptions,
  part: BlockPart,
  at: PartFiles,
): Promise<PartResult> {
  const plan = planLabeling(volume, o)
  const indices = partOf(
    plan.list.map((_, i) => i),
    part,
  )
  requireSameRun(at.work, at.command, at.key, part)
  const file = dataFile(at, part)
  if (isBlockDone(at.work, at.command, at.key, part)) {
    const done = markerOf(at, part)!.result as PartRecord
    if (existsSync(file) && statSync(file).size === done.bytes)
      return {
        part,
        units: done.units.length,
        of: plan.list.length,
        provisional: done.provisional,
        bytes: done.bytes,
        skipped: true,
      }
  }
  // Files of an earlier try of this block that died before its rename.
  const dir = markerDir(at.work)
  const stem = `${at.command}-${part.index}-of-${part.count}.bin.`
  if (existsSync(dir))
    for (const name of readdirSync(dir))
      if (name.startsWith(stem) && name.endsWith('.part')) rmSync(join(dir, name), { force: true })
  mkdirSync(dir, { recursive: true })
  // Host and process: two tries of one block on two nodes of a cluster may have the same process id.
  const partial = `${file}.${hostname()}-${process.pid}.part`
  const fd = openSync(partial, 'w')
  const [, Y, X] = volume.shape
  const table = new ProvisionalTable(Y, X)
  const units: PartRecord['units'] = []
  let bytes = 0
  try {
    for (const [k, b] of indices.entries()) {
      throwIfCancelled(o.signal)
      const data = await plan.load(plan.list[b]!)
      const offset = table.count
      addBlockStats(table, data, offset)
      const n = table.count - offset
      const { stats, box } = table.columns(offset, n)
      const faces = facesOf(data.runs, data.shape)
      const r = data.runs
      const arrays: ArrayBufferView[] = [
        stats,
        box,
        ...FACE_NAMES.map((f) => faces[f]),
        r.rowStart,
        r.starts,
        r.ends,
        r.label,
      ]
      for (const a of arrays) bytes += writeSync(fd, bytesOf(a))
      units.push([b, n, r.runs])
      o.onProgress?.(k + 1, indices.length, 1)
    }
    fsyncSync(fd)
  } catch (e) {
    closeSync(fd)
    rmSync(partial, { force: true })
    throw e
  }
  closeSync(fd)
  renameSync(partial, file)
  const record: PartRecord = {
    file: `${at.command}-${part.index}-of-${part.count}.bin`,
    bytes,
    units,
    provisional: table.count,
  }
  writeMarker(at.work, at.command, at.key, part, record)
  return { part, units: units.length, of: plan.list.length, provisional: table.count, bytes, skipped: false }
}

/**
 * Every block of the run is done and its file whole: what a merge checks before it writes anything, so
 * a merge with missing or damaged blocks leaves what is already there untouched.
 */
export function checkParts(volume: Volume, o: BlockwiseOptions, at: PartFiles): BlockMarker[] {
  const markers = requireAllBlocks(at.work, at.command, at.key)
  const units = planLabeling(volume, o).list.map((_, i) => i)
  for (const m of markers) {
    const rec = m.result as PartRecord
    const part = { index: m.index, count: m.count }
    const want = partOf(units, part)
    const rerun = `rerun --block ${formatPart(part)}`
    if (
      !rec ||
      !Array.isArray(rec.units) ||
      rec.units.length !== want.length ||
      rec.units.some((u, k) => u[0] !== want[k])
    )
      throw new InputError(
        `${at.work}: block ${formatPart(part)} covers other blocks than this run's; ${rerun}`,
      )
    const file = join(markerDir(at.work), rec.file)
    if (!existsSync(file)) throw new InputError(`${file}: missing (block ${formatPart(part)}); ${rerun}`)
    if (statSync(file).size !== rec.bytes)
      throw new InputError(
        `${file}: ${statSync(file).size} bytes, its marker says ${rec.bytes} (block ${formatPart(part)}); ${rerun}`,
      )
  }
  return markers
}

/**
 * The merge of a split labeling: the face joins of labelVolume, in the same order over the same
 * provisional ids, fed from the blocks' files instead of the volume (which it never reads), then the
 * numbering, the size filter and, with `labelsOut`, the labels painted from the stored runs. Its result
 * equals labelVolume's on the whole volume, component for component and label for label.
 */
export async function mergeParts(
  volume: Volume,
  o: BlockwiseOptions,
  at: PartFiles,
): Promise<BlockwiseResult & { parts: number }> {
  const markers = checkParts(volume, o, at)
  const plan = planLabeling(volume, o)
  const [, Y, X] = volume.shape
  const table = new ProvisionalTable(Y, X)
  const joiner = new FaceJoiner(volume.shape, plan.connectivity, (a, b) => table.union(a, b))
  const offsets = new Float64Array(plan.list.length)
  /** Per unit, where its runs start in its part's file. */
  const runsAt = new Float64Array(plan.list.length)
  const total = plan.list.length
  let done = 0
  for (const m of markers) {
    const rec = m.result as PartRecord
    const file = join(markerDir(at.work), rec.file)
    const fd = openSync(file, 'r')
    try {
      let pos = 0
      for (const [b, n, runs] of rec.units) {
        throwIfCancelled(o.signal)
        const region = plan.list[b]!
        const shape = shapeOf(region)
        const sizes = sections(shape, n, runs)
        const stats = new Float64Array(FIELDS.length * n)
        const box = new Int32Array(BOX.length * n)
        readAt(fd, pos, stats, file)
        readAt(fd, pos + sizes[0]!, box, file)
        let p = pos + sizes[0]! + sizes[1]!
        const lengths = faceLengths(shape)
        const faces = {} as Faces
        FACE_NAMES.forEach((name, i) => {
          const face = new Uint32Array(lengths[i]!)
          readAt(fd, p, face, file)
          faces[name] = face
          p += face.byteLength
        })
        const offset = table.count
        offsets[b] = offset
        runsAt[b] = p
        table.addColumns(offset, n, stats, box)
        joiner.add(region, faces, offset)
        pos += sizes.reduce((a, s) => a + s, 0)
        o.onProgress?.(++done, total, 1)
      }
      if (pos !== rec.bytes)
        throw new InputError(`${file}: ${rec.bytes} bytes, its blocks make ${pos}; rerun its block`)
    } finally {
      closeSync(fd)
    }
  }

  const { components, finalOf } = table.finish(o.minSize ?? 0, o.maxSize ?? Infinity)

  if (o.labelsOut) {
    done = 0
    for (const m of markers) {
      const rec = m.result as PartRecord
      const file = join(markerDir(at.work), rec.file)
      const fd = openSync(file, 'r')
      try {
        for (const [b, , count] of rec.units) {
          throwIfCancelled(o.signal)
          const region = plan.list[b]!
          const [bd, bh, bw] = shapeOf(region)
          const runs: LabeledRuns = {
            rowStart: new Int32Array(bd * bh + 1),
            starts: new Int32Array(count),
            ends: new Int32Array(count),
            label: new Uint32Array(count),
            runs: count,
            count: 0,
          }
          let p = runsAt[b]!
          for (const a of [runs.rowStart, runs.starts, runs.ends, runs.label]) {
            readAt(fd, p, a, file)
            p += a.byteLength
          }
          const labels = paintRuns(runs, bw, new Uint32Array(bd * bh * bw), finalOf.subarray(offsets[b]!))
          await o.labelsOut(region, labels, components.length)
          o.onProgress?.(++done, total, 2)
        }
      } finally {
        closeSync(fd)
      }
    }
  }
  return { ...resultOf(plan, components, table.count), parts: markers[0]!.count }
}

/** After a merge has written its results: the blocks' files and markers, and the work folder if empty. */
export function removeParts(at: PartFiles): void {
  const dir = markerDir(at.work)
  if (existsSync(dir))
    for (const name of readdirSync(dir))
      if (name.startsWith(`${at.command}-`)) rmSync(join(dir, name), { force: true })
  for (const d of [dir, at.work]) {
    try {
      if (existsSync(d) && readdirSync(d).length === 0) rmSync(d, { recursive: true })
    } catch {
      // Another command's files, or a folder another process just wrote to: left as it is.
    }
  }
}
