import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { startCli, waitFor } from '../helpers/child.ts'
import { cliJson, oneErrorLine, runCli } from '../helpers/cli.ts'
import { scopedTempDir } from '../helpers/peers.ts'

const tmp = scopedTempDir('simulate-grid')
const project = join(tmp.dir, 'p')

interface Paired {
  strategy: string
  rounds: Array<{ mean: number; se: number | null; pairs: number; wins: number; losses: number }>
}
interface Cell {
  params: { N: number; M: number; Q: number; budget: number }
  mean: number
  std: number
  fraction: number
  paper: number | null
}
interface Grid {
  rois: number
  embeddings: number[]
  seeds: number[]
  budgets: Array<{ share: number; queries: number }>
  table2: {
    rows: Array<{ row: string; strategy: string; cells: Array<Cell | null> }>
    paired: Array<{ column: number; reference: string; against: Paired[] }>
  }
  table3: {
    rounds: number
    rows: Array<{ row: string; cells: Array<Cell | null>; unavailable: string | null }>
    paired: { reference: string; against: Paired[] }
  }
  runs: Array<{
    table: number
    row: string
    column: number
    seed: number
    embedding: number | null
    rounds: Array<{ accuracy: number; queries: number; annotated: number }>
  }>
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const close = (a: number, b: number, what: string): void =>
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`)

describe('activeem simulate --grid paper on a 2k-ROI synthetic set', () => {
  before(() => {
    cliJson([
      'synth-proposals',
      ...['--project', project, '--rois', '2000', '--p', '0.76'],
      ...['--wrong', 'shape,content,empty', '--seed', '3', '--patch', '32'],
    ])
    cliJson(['embed', '--project', project, '--epochs', '1', '--image-samples', '0'])
  })

  test("the tables: the paper's rows, both budgets, its numbers beside ours, n/a where nothing produces the row", () => {
    const r = runCli(['simulate', '--project', project, '--grid', 'paper', '--seeds', '1'])
    assert.equal(r.code, 0, r.stderr)
    const out = r.stdout
    assert.match(out, /2000 ROIs, 76\.0% correct before annotation; 1 seed\(s\) on the set's own features/)
    assert.match(out, /^method\s+2\.23 % \(45 queries\)\s+4\.46 % \(89 queries\)$/m)
    // random ignores N x M; the single-space rows are N*M x 1 or 1 x N*M, scaled by 2000 / 28700.
    assert.match(out, /^random\s+\d+\.\d ± 0\.0 {2}\(76\.7\)\s+\d+\.\d ± 0\.0 {2}\(77\.2\)$/m)
    assert.match(
      out,
      /^mask-only 128x1\/256x1\s+9x1 {2}\S+ ± 0\.0 {2}\(80\.5\)\s+18x1 {2}\S+ ± 0\.0 {2}\(81\.9\)$/m,
    )
    assert.match(
      out,
      /^image-only 1x128\/1x256\s+1x9 {2}\S+ ± 0\.0 {2}\(42\.0\)\s+1x18 {2}\S+ ± 0\.0 {2}\(57\.8\)$/m,
    )
    assert.match(out, /^hierarchical 64x2\s+4x2 {2}\S+ ± 0\.0 {2}\(82\.1\)$/m)
    assert.match(out, /^hierarchical 64x4\s+4x4 {2}\S+ ± 0\.0 {2}\(84\.6\)$/m)
    assert.match(out, /^Es\s+n\/a\s+n\/a$/m)
    assert.match(out, /^Eu\s+4x2 {2}\S+ ± 0\.0 {2}\(-\)\s+4x2 {2}\S+ ± 0\.0 {2}\(88\.0\)$/m)
    assert.match(out, /^n\/a: no triplet fine-tuning of the mask VAE \(Es\)/m)
  })

  test('Ctrl-C during the runs cancels with exit 130; the embeddings made are kept (the next test reuses them)', async () => {
    const run = startCli([
      'simulate',
      ...['--project', project, '--grid', 'paper', '--seeds', '1', '--embeddings', '2', '--epochs', '1'],
    ])
    let err = ''
    run.child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    await waitFor(
      'the runs after both embeddings',
      () => /simulate [\d.]+%, \S+, embedding \d, seed/.test(err),
      120_000,
    )
    run.child.kill('SIGTERM')
    const done = await run.exited
    assert.equal(done.code, 130, done.stderr)
    assert.match(done.stderr, /cancelled; finished embeddings are kept/)
    assert.equal(done.stdout, '')
    for (const e of ['embedding-1', 'embedding-2'])
      assert.ok(existsSync(join(project, 'proposals', 'set-1', 'simulate', e, 'features.h5')), e)
  })

  test('JSON: every cell on every embedding and seed, and the paired differences are the runs’ own', () => {
    const g = cliJson<Grid>([
      'simulate',
      ...['--project', project, '--grid', 'paper', '--seeds', '2', '--embeddings', '2', '--epochs', '1'],
    ])
    assert.deepEqual(g.embeddings, [1, 2])
    assert.deepEqual(g.seeds, [0, 1])
    assert.deepEqual(
      g.budgets.map((b) => b.queries),
      [45, 89],
    )
    const shape = g.table2.rows.map((r) => [r.row, r.cells.map((c) => (c ? c.params.budget : null))])
    assert.deepEqual(shape, [
      ['random', [45, 89]],
      ['mask-only 128x1/256x1', [45, 89]],
      ['image-only 1x128/1x256', [45, 89]],
      ['late fusion 128/256', [45, 89]],
      ['hierarchical 64x2', [45, null]],
      ['hierarchical 128x2', [null, 89]],
      ['hierarchical 64x4', [null, 89]],
      ['hierarchical 32x8', [null, 89]],
    ])
    assert.deepEqual(
      g.table3.rows.map((r) => [r.row, r.cells.map((c) => c !== null), r.unavailable !== null]),
      [
        ['none', [true, true], false],
        ['Es', [false, false], true],
        ['Eu', [true, true], false],
        ['both', [false, false], true],
      ],
    )
    // 12 Table 2 cells and 2 Table 3 rows, each on 2 embeddings x 2 seeds; every round spends its budget.
    assert.equal(g.runs.length, (12 + 2) * 4)
    for (const run of g.runs)
      run.rounds.forEach((x, k) => {
        const budget = run.table === 3 ? 45 : g.budgets[run.column]!.queries
        assert.equal(x.queries, budget, `${run.row} round ${k + 1}`)
        assert.equal(x.annotated, budget * (k + 1))
      })

    // Pairing: the mean of the per-run differences on the same embedding and seed, its standard error over
    // the embeddings' mean differences.
    const accuracy = (table: number, row: string, column: number, e: number, s: number, k: number): number =>
      g.runs.find(
        (x) => x.table === table && x.row === row && x.column === column && x.embedding === e && x.seed === s,
      )!.rounds[k]!.accuracy
    const check = (table: number, column: number, reference: string, p: Paired, k: number): void => {
      const byEmbedding = g.embeddings.map((e) =>
        g.seeds.map(
          (s) => accuracy(table, reference, column, e, s, k) - accuracy(table, p.strategy, column, e, s, k),
        ),
      )
      const units = byEmbedding.map(mean)
      const m = mean(units)
      const se = Math.sqrt(units.reduce((a, u) => a + (u - m) ** 2, 0) / (units.length - 1) / units.length)
      close(p.rounds[k]!.mean, mean(byEmbedding.flat()), `${p.strategy} mean`)
      close(p.rounds[k]!.se!, se, `${p.strategy} se`)
      assert.equal(p.rounds[k]!.pairs, 4)
      assert.equal(p.rounds[k]!.wins, byEmbedding.flat().filter((d) => d > 0).length)
    }
    assert.deepEqual(
      g.table2.paired.map((p) => [p.reference, p.against.map((a) => a.strategy)]),
      [
        [
          'hierarchical 64x2',
          ['random', 'mask-only 128x1/256x1', 'image-only 1x128/1x256', 'late fusion 128/256'],
        ],
        [
          'hierarchical 64x4',
          [
            'random',
            'mask-only 128x1/256x1',
            'image-only 1x128/1x256',
            'late fusion 128/256',
            'hierarchical 128x2',
            'hierarchical 32x8',
          ],
        ],
      ],
    )
    for (const p of g.table2.paired) for (const a of p.against) check(2, p.column, p.reference, a, 0)
    assert.equal(g.table3.paired.reference, 'Eu')
    assert.deepEqual(
      g.table3.paired.against.map((a) => a.strategy),
      ['none'],
    )
    for (let k = 0; k < 2; k++) check(3, 1, 'Eu', g.table3.paired.against[0]!, k)
    // A cell's mean is its runs' mean.
    const mask = g.table2.rows[1]!.cells[1]!
    close(
      mask.mean,
      mean(
        g.runs
          .filter((x) => x.row === 'mask-only 128x1/256x1' && x.column === 1)
          .map((x) => x.rounds[0]!.accuracy),
      ),
      'cell mean',
    )
  })

  test('bad input: exit 2 and one line naming the flag', () => {
    const base = ['simulate', '--project', project]
    oneErrorLine([...base, '--grid', 'other'], ['--grid', 'paper', 'other'])
    oneErrorLine([...base, '--grid', 'paper', '--strategy', 'random'], ['--strategy', '--grid paper'])
    oneErrorLine([...base, '--grid', 'paper', '--compare'], ['--compare', '--grid paper'])
    oneErrorLine([...base, '--grid', 'paper', '--epochs', '2'], ['--epochs'])
  })
})
