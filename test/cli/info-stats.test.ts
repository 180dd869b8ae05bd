import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { CLI, REPO } from '../helpers/cli.ts'
import { needPython, pythonHas, REQUIRED, runPython, tempDir } from '../helpers/peers.ts'

const TIME = '/usr/bin/time'
const tmp = tempDir('stats')

/** Runs `activeem info SPEC --stats --json` under GNU time and returns the stats and peak RSS in bytes. */
function statsWithPeak(spec: string): {
  stats: { min: number; max: number; mean: number }
  peakBytes: number
} {
  const r = spawnSync(
    TIME,
    ['-f', 'maxrss_kb=%M', process.execPath, CLI, 'info', spec, '--stats', '--json'],
    {
      cwd: REPO,
      encoding: 'utf8',
    },
  )
  assert.equal(r.status, 0, r.stderr)
  const kb = Number(/maxrss_kb=(\d+)/.exec(r.stderr)?.[1])
  assert.ok(kb > 0, `no peak memory in: ${r.stderr}`)
  return {
    stats: (JSON.parse(r.stdout) as { stats: { min: number; max: number; mean: number } }).stats,
    peakBytes: kb * 1024,
  }
}

describe(
  'info --stats streams chunk by chunk',
  { skip: !pythonHas(['h5py', 'zarr']) && !REQUIRED ? 'python3-h5py/zarr missing' : false },
  () => {
    after(() => tmp.cleanup())

    // 192 x 1024 x 1024 float32 = 805 MB, over ten times the 64 MB the requirement names.
    let expected: { bytes: number; min: number; max: number; mean: number } | null = null
    const prepare = (): typeof expected => {
      if (!expected) {
        const script = readFileSync(join(REPO, 'test/fixtures/write_large.py'), 'utf8')
        expected = JSON.parse(runPython(script, [tmp.dir, '192', '1024', '1024'])) as typeof expected
      }
      return expected
    }

    for (const [format, spec] of [
      ['HDF5', 'large.h5#prob'],
      ['Zarr v2', 'large.zarr'],
    ] as const) {
      test(`${format}: min, max, mean equal numpy's, peak memory under a quarter of the array`, (t) => {
        if (!needPython(t, ['h5py', 'zarr', 'numpy'])) return
        if (!existsSync(TIME)) {
          if (REQUIRED) throw new Error(`${TIME} missing (Debian package 'time')`)
          return t.skip(`${TIME} missing`)
        }
        const want = prepare()!
        const { stats, peakBytes } = statsWithPeak(join(tmp.dir, spec))
        assert.equal(stats.min, want.min)
        assert.equal(stats.max, want.max)
        assert.ok(
          Math.abs(stats.mean - want.mean) <= 1e-6 * Math.abs(want.mean),
          `mean ${stats.mean} vs numpy ${want.mean}`,
        )
        t.diagnostic(
          `${format}: array ${(want.bytes / 2 ** 20).toFixed(0)} MiB, peak RSS ${(peakBytes / 2 ** 20).toFixed(0)} MiB`,
        )
        assert.ok(peakBytes < want.bytes / 4, `peak ${peakBytes} bytes >= a quarter of ${want.bytes}`)
      })
    }
  },
)
