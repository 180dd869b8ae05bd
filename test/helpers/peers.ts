import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, type TestContext } from 'node:test'
import { REPO } from './cli.ts'

/** Debian's python3 with h5py, zarr, numpy and scipy: the field's own tools, our reference peers. */
export const PYTHON = process.env.ACTIVEEM_PYTHON ?? '/usr/bin/python3'

/** In CI peers and shared data must be present: a test that would skip fails instead. */
export const REQUIRED = process.env.CI === 'true' || process.env.ACTIVEEM_REQUIRE_SHARED_DATA === '1'

const cache = new Map<string, boolean>()

export function pythonHas(modules: string[]): boolean {
  const key = modules.join(',')
  if (!cache.has(key)) {
    const r = spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' })
    cache.set(key, r.status === 0)
  }
  return cache.get(key)!
}

/** True when the peer is usable; otherwise skips the test, or fails it where peers are required. */
export function needPython(t: TestContext, modules: string[]): boolean {
  if (pythonHas(modules)) return true
  const msg = `${PYTHON} with ${modules.join(', ')} is not installed (Debian: apt-get install ${modules.map((m) => `python3-${m}`).join(' ')})`
  if (REQUIRED) throw new Error(msg)
  t.skip(msg)
  return false
}

export function runPython(script: string, args: string[] = []): string {
  const r = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 })
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stdout}${r.stderr}`)
  return r.stdout
}

export const SHARED_DATA = resolve(REPO, '..', 'shared', 'data')

/** The real EM volumes beside the checkout; absent on a user's machine, required in CI. */
export function needSharedData(t: TestContext, sub: string): string | null {
  const dir = join(SHARED_DATA, sub)
  if (existsSync(dir)) return dir
  const msg = `${dir} is not present`
  if (REQUIRED) throw new Error(`${msg} but ACTIVEEM_REQUIRE_SHARED_DATA=1`)
  t.skip(msg)
  return null
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `activeem-${prefix}-`))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A tempDir removed once the tests of the file (or the describe block) that makes it are done. */
export function scopedTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const tmp = tempDir(prefix)
  after(() => tmp.cleanup())
  return tmp
}
