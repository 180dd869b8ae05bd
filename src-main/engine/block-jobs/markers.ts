import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { InputError, messageOf } from '../errors.ts'
import { formatPart, type BlockPart } from './part.ts'

/**
 * A block's done-marker: a small JSON file beside the block's output, written last and atomically, so
 * a block killed midway has none and reruns. Blocks never touch the project database: on a shared
 * filesystem (NFS, Lustre) many writers of one SQLite file corrupt it, while distinct files do not collide.
 */
export interface BlockMarker {
  command: string
  /** What the run is: inputs and options. Blocks of another run in the same folder are refused. */
  key: string
  index: number
  count: number
  /** What the block found, for the merge (counts, file names); command-specific. */
  result: unknown
}

/** Markers live in a dot-folder of the output, which Zarr listings skip. */
export function markerDir(out: string): string {
  return join(out, '.blocks')
}

function markerPath(out: string, command: string, part: BlockPart): string {
  return join(markerDir(out), `${command}-${part.index}-of-${part.count}.json`)
}

/** A stable key of a run's defining inputs (resolved paths, options, the part count). */
export function runKey(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32)
}

function readMarker(path: string): BlockMarker {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new InputError(`${path}: not a block marker (${messageOf(e)}); remove it and rerun its block`)
  }
  const m = value as Partial<BlockMarker>
  if (
    typeof m.command !== 'string' ||
    typeof m.key !== 'string' ||
    !Number.isInteger(m.index) ||
    !Number.isInteger(m.count)
  )
    throw new InputError(`${path}: not a block marker (fields missing); remove it and rerun its block`)
  return m as BlockMarker
}

/** Every marker of `command` under `out`, whatever its run. */
export function listMarkers(out: string, command: string): BlockMarker[] {
  const dir = markerDir(out)
  if (!existsSync(dir)) return []
  const pattern = new RegExp(`^${command}-\\d+-of-\\d+\\.json$`)
  return readdirSync(dir)
    .filter((name) => pattern.test(name))
    .map((name) => readMarker(join(dir, name)))
}

/**
 * Before a block writes: the folder must hold no blocks of another run (another volume, other options,
 * another split). Mixing them would give a map of two inputs that no check could see afterwards.
 */
export function requireSameRun(out: string, command: string, key: string, part: BlockPart): void {
  const other = listMarkers(out, command).find((m) => m.key !== key || m.count !== part.count)
  if (other)
    throw new InputError(
      `${out}: holds ${command} blocks of another run (block ${other.index}/${other.count}, run ${other.key.slice(0, 8)}; this is block ${formatPart(part)} of run ${key.slice(0, 8)}); remove it or choose another --out`,
    )
}

export function isBlockDone(out: string, command: string, key: string, part: BlockPart): boolean {
  const path = markerPath(out, command, part)
  return existsSync(path) && readMarker(path).key === key
}

export function writeMarker(
  out: string,
  command: string,
  key: string,
  part: BlockPart,
  result: unknown,
): void {
  mkdirSync(markerDir(out), { recursive: true })
  const path = markerPath(out, command, part)
  // Host and pid: two tries of one block on two nodes may share a pid, never both.
  const tmp = `${path}.${hostname()}.${process.pid}.part`
  const marker: BlockMarker = { command, key, index: part.index, count: part.count, result }
  writeFileSync(tmp, `${JSON.stringify(marker)}\n`)
  renameSync(tmp, path)
}

/**
 * For a merge: every block of the run is done. Missing ones are named, with the flag that reruns each,
 * so a user on a cluster resubmits just those array tasks.
 */
export function requireAllBlocks(out: string, command: string, key: string): BlockMarker[] {
  const markers = listMarkers(out, command)
  if (markers.length === 0)
    throw new InputError(`${out}: no ${command} blocks found; run the blocks first (--block i/n for each i)`)
  const ours = markers.filter((m) => m.key === key)
  if (ours.length === 0)
    throw new InputError(
      `${out}: holds ${command} blocks of another run (run ${markers[0]!.key.slice(0, 8)}, not ${key.slice(0, 8)}); merge with the same inputs and options as the blocks`,
    )
  const count = ours[0]!.count
  if (ours.some((m) => m.count !== count))
    throw new InputError(`${out}: holds ${command} blocks of splits into different numbers of parts`)
  const have = new Set(ours.map((m) => m.index))
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !have.has(i))
  if (missing.length > 0) {
    const shown =
      missing.slice(0, 20).join(', ') + (missing.length > 20 ? `, ... (${missing.length} in all)` : '')
    throw new InputError(
      `${out}: ${command} block(s) ${shown} of ${count} missing; run them (--block ${missing[0]}/${count} ...) before --merge`,
    )
  }
  return ours.sort((a, b) => a.index - b.index)
}
