/**
 * A seeded sample of the fuzz corpus (resources/fuzz) through the real CLI: valid and mutated HDF5 and Zarr
 * files, `info`, `info --stats` and `read`, judged against h5py / zarr-python (Zarr v3: the values the
 * generator wrote). `npm run fuzz` runs the whole corpus (~220 cases, ~1000 runs).
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { generateCorpus, sampleCases } from '../../resources/fuzz/corpus.ts'
import { formatSummary, runCorpus } from '../../resources/fuzz/run.ts'
import { needPython, pythonHas, REQUIRED, scopedTempDir } from '../helpers/peers.ts'

const SEED = 20
const PEERS = ['h5py', 'zarr', 'numcodecs', 'numpy']
const usable = pythonHas(PEERS)

/** sha256 over every file's relative name and bytes (names as bytes: some are not UTF-8). */
function treeHash(dir: string): string {
  const h = createHash('sha256')
  const visit = (p: Buffer, rel: string): void => {
    if (!statSync(p).isDirectory()) {
      h.update(`${rel}\0`).update(readFileSync(p))
      return
    }
    for (const name of (readdirSync(p, { encoding: 'buffer' }) as Buffer[]).sort(Buffer.compare))
      visit(Buffer.concat([p, Buffer.from('/'), name]), `${rel}/${name.toString('hex')}`)
  }
  visit(Buffer.from(dir), '.')
  return h.digest('hex')
}

describe(
  'fuzz corpus, a seeded sample',
  { skip: !usable && !REQUIRED ? `python3 with ${PEERS.join(', ')} is not installed` : false },
  () => {
    const tmp = scopedTempDir('fuzz')
    const pick = (plans: Parameters<typeof sampleCases>[0]) => sampleCases(plans, SEED, 4, 8)

    test('the same seed gives the same cases, byte for byte', async (t) => {
      if (!needPython(t, PEERS)) return
      const a = await generateCorpus({ dir: join(tmp.dir, 'a'), seed: SEED, pick })
      const b = await generateCorpus({ dir: join(tmp.dir, 'b'), seed: SEED, pick })
      assert.deepEqual(
        b.cases.map((c) => c.id),
        a.cases.map((c) => c.id),
      )
      assert.equal(treeHash(join(b.dir, 'cases')), treeHash(join(a.dir, 'cases')))
      const other = await generateCorpus({ dir: join(tmp.dir, 'c'), seed: SEED + 1, pick })
      assert.notEqual(treeHash(join(other.dir, 'cases')), treeHash(join(a.dir, 'cases')))
    })

    test(
      'every run exits 0 with the peer’s values or 2 with one `error:` line; none exits 1, hangs past 20 s, tops 1 GB or changes a file',
      { timeout: 15 * 60_000 },
      async (t) => {
        if (!needPython(t, PEERS)) return
        const corpus = await generateCorpus({ dir: join(tmp.dir, 'run'), seed: SEED, pick })
        const runs = corpus.cases.reduce((n, c) => n + c.commands.length, 0)
        assert.ok(runs >= 40 && runs <= 70, `the sample should be 40-70 runs, is ${runs}`)
        assert.deepEqual(new Set(corpus.cases.map((c) => c.format)), new Set(['hdf5', 'zarr2', 'zarr3']))
        const summary = await runCorpus(corpus.dir, corpus.cases, {
          jobs: Math.min(4, availableParallelism()),
        })
        t.diagnostic(formatSummary(summary).split('\n')[0]!)
        assert.equal(summary.runs, runs)
        assert.equal(summary.failures.length, 0, formatSummary(summary))
      },
    )
  },
)
