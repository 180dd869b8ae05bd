import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { InputError } from '../errors.ts'

export const MANIFEST = 'manifest.json'
/** The manifest's `format` value: what marks a folder as ours, and so replaceable with --force. */
export const EXPORT_KIND = 'activeem-export'

export function isExport(dir: string): boolean {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as { format?: unknown }
    return m.format === EXPORT_KIND
  } catch {
    return false
  }
}

/**
 * Checks --out before any work: a new or empty folder is fine; a non-empty one only with --force and
 * only when it is an earlier export. Nothing is touched here.
 */
export function checkOut(out: string, force: boolean): void {
  if (!existsSync(out)) {
    if (!existsSync(dirname(out)))
      throw new InputError(`--out ${out}: the folder ${dirname(out)} does not exist`)
    return
  }
  if (!statSync(out).isDirectory()) throw new InputError(`--out ${out}: exists and is not a folder`)
  if (readdirSync(out).length === 0) return
  if (!force)
    throw new InputError(
      `--out ${out}: folder exists and is not empty; pass --force to replace an earlier export, or choose another folder`,
    )
  if (!isExport(out))
    throw new InputError(
      `--out ${out}: folder is not an ActiveEM export (no ${MANIFEST} of ours); --force replaces only an earlier export`,
    )
}

/** A fresh folder beside `out` (same file system, so the final rename is atomic). */
export function stagingFor(out: string): string {
  return join(dirname(out), `.${basename(out)}.partial-${process.pid}-${Date.now().toString(36)}`)
}

/** Puts the finished staging folder under the final name; an earlier export there goes only now. */
export function commit(staging: string, out: string): void {
  if (existsSync(out) && readdirSync(out).length > 0) {
    const old = `${staging}.old`
    renameSync(out, old)
    renameSync(staging, out)
    rmSync(old, { recursive: true, force: true })
    return
  }
  if (existsSync(out)) rmSync(out, { recursive: true, force: true })
  renameSync(staging, out)
}
