import assert from 'node:assert/strict'
import { renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { simulationTable } from '../../src-main/cli/commands/simulate.ts'
import { readFeatures } from '../../src-main/engine/embed/index.ts'
import type { SimulationResult } from '../../src-main/engine/suggest/index.ts'
import { fullRegion, openVolume, ZarrV3Writer, type Shape3 } from '../../src-main/engine/volume/index.ts'
import { cliJson, runCli } from '../helpers/cli.ts'
import { mapProject, type MapProject } from '../helpers/maps.ts'
import { tempDir } from '../helpers/peers.ts'

const tmp = tempDir('suggest-cli')
const shape: Shape3 = [24, 160, 160]
let m: MapProject
/** Ground truth that keeps the odd-numbered mitochondria only: the even ones become false positives. */
let halfGt: string
/** Oracle answer per ROI id, from which mitochondrion each ROI is. */
const correct = new Map<number, boolean>()
let proposals: { set: number; count: number; patches: string }

function rounds(): number {
  const db = new Database(join(m.project, 'activeem.sqlite'), { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM rounds').get() as { n: number }).n
  } finally {
    db.close()
  }
}

describe('activeem embed, suggest and simulate', () => {
  before(async () => {
    m = await mapProject(tmp.dir, shape, 3)
    const mito = m.volume.mito
    const half = join(tmp.dir, 'half.zarr')
    const writer = new ZarrV3Writer(half)
    await writer.group('', {})
    const arr = await writer.array('gt', { shape, chunks: [8, 64, 64], dtype: 'uint32' })
    await arr.writeRegion(
      fullRegion(shape),
      Uint32Array.from(mito, (v) => (v % 2 === 1 ? v : 0)),
    )
    halfGt = `${half}#gt`
    proposals = cliJson(['proposals', '--project', m.project, '--task', 'mito'])
    // The map is the ground truth, so each ROI is one mitochondrion: correct when that one is kept.
    const labels = await openVolume(
      `${join(m.project, 'proposals', `set-${proposals.set}`, 'labels.zarr')}#labels`,
    )
    const ids = await labels.readRegion(fullRegion(shape))
    labels.close()
    for (let i = 0; i < ids.length; i++) {
      const roi = Number(ids[i])
      if (roi !== 0 && !correct.has(roi)) correct.set(roi, mito[i]! % 2 === 1)
    }
  })
  after(() => tmp.cleanup())

  test('suggest before embed: exit 2, the message says to run embed, no round stored', () => {
    const r = runCli(['suggest', '--project', m.project, '--strategy', 'two-stream', '--json'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /^error: .*no features; run 'activeem embed/)
    assert.equal(r.stderr.trim().split('\n').length, 1)
    assert.equal(rounds(), 0)
  })

  test('embed: both streams for every ROI, checkpointed, and a longer run resumes', async () => {
    assert.ok(proposals.count > 10, `${proposals.count} ROIs`)
    const args = ['embed', '--project', m.project, '--image-samples', '16', '--image-latent', '16']
    const first = cliJson<{ features: string; mask: { epochs: number }; image: { patches: number } }>([
      ...args,
      '--epochs',
      '1',
    ])
    assert.equal(first.mask.epochs, 1)
    assert.equal(first.image.patches, proposals.count + 16)
    const second = cliJson<{
      rois: number
      features: string
      mask: { resumedFromEpoch: number; latent: number }
      image: { resumedFromEpoch: number; latent: number }
    }>([...args, '--epochs', '2'])
    assert.equal(second.rois, proposals.count)
    assert.equal(second.mask.resumedFromEpoch, 1)
    assert.equal(second.image.resumedFromEpoch, 1)
    const f = await readFeatures(second.features)
    assert.deepEqual(
      [...f.roi].sort((a, b) => a - b),
      [...correct.keys()].sort((a, b) => a - b),
    )
    assert.equal(f.maskDim, 20)
    assert.equal(f.imageDim, 16)
    assert.equal(f.mask.length, proposals.count * 20)
    assert.ok(f.mask.every(Number.isFinite) && f.image.every(Number.isFinite))
  })

  test('suggest: N*M*Q queries stored as a round, by cluster then distance; the next round asks others', () => {
    type Round = { round: number; queries: Array<{ roi: number; cluster: number; distance: number }> }
    const args = ['suggest', '--project', m.project, '--strategy', 'two-stream', '--N', '3', '--M', '2']
    const one = cliJson<Round>(args)
    assert.equal(one.round, 1)
    assert.equal(one.queries.length, 6)
    for (const q of one.queries) assert.ok(correct.has(q.roi), `ROI ${q.roi} is in the set`)
    for (let i = 1; i < one.queries.length; i++) {
      const [a, b] = [one.queries[i - 1]!, one.queries[i]!]
      assert.ok(a.cluster < b.cluster || (a.cluster === b.cluster && a.distance <= b.distance))
    }
    // Round 1 is unlabelled: another round is refused (exit 2, one line saying so and naming --force), nothing stored.
    const refused = runCli([...args, '--json'])
    assert.equal(refused.code, 2, refused.stderr)
    assert.equal(
      refused.stderr,
      "error: round 1 of proposal set 1 has 6 of 6 queries unlabelled; label them (the Queries screen or 'activeem label'), or pass --force to start a new round anyway\n",
    )
    assert.equal(rounds(), 1)
    assert.match(runCli(['suggest', '--help']).stdout, /\[--force\]/)
    assert.match(runCli(['round', '--help']).stdout, /\[--force\]/)
    const two = cliJson<Round>([...args, '--force'])
    assert.equal(two.round, 2)
    const asked = new Set(one.queries.map((q) => q.roi))
    assert.ok(two.queries.length > 0 && two.queries.every((q) => !asked.has(q.roi)))
    assert.equal(rounds(), 2)
  })

  test('simulate --compare: every strategy over 3 seeds, oracle answers, propagation and the random baseline', () => {
    const r = cliJson<SimulationResult>([
      'simulate',
      ...['--project', m.project, '--gt', halfGt, '--compare', '--rounds', '2'],
      ...['--N', '2', '--M', '2'],
    ])
    const n = correct.size
    const p = [...correct.values()].filter(Boolean).length / n
    assert.equal(r.rois, n)
    assert.ok(Math.abs(r.initialAccuracy - p) < 1e-12, `oracle ${r.initialAccuracy}, expected ${p}`)
    assert.ok(p > 0.2 && p < 0.8, `a mixed set: ${p}`)
    assert.equal(r.summary.length, 7)
    assert.equal(r.runs.length, 21)
    for (const run of r.runs) {
      const seen = new Set<number>()
      for (const x of run.rounds) {
        for (const roi of x.asked) {
          assert.ok(correct.has(roi) && !seen.has(roi), `${run.strategy}: ROI ${roi} asked once`)
          seen.add(roi)
        }
        assert.equal(x.annotated, seen.size)
        assert.ok(Math.abs(x.fraction - seen.size / n) < 1e-12)
        assert.ok(Math.abs(x.randomBaseline - (p + x.fraction * (1 - p))) < 1e-12)
        // The answered ROIs themselves are always right after propagation.
        assert.ok(x.accuracy >= x.fraction - 1e-12 && x.accuracy <= 1)
      }
      assert.equal(run.rounds[0]!.queries, 4, `${run.strategy} asks N*M*Q in round 1`)
    }
    const random = r.runs.filter((x) => x.strategy === 'random').map((x) => x.rounds[0]!.asked.join())
    assert.equal(new Set(random).size, 3, 'each seed asks other random ROIs')
    // Two-stream against each other strategy, run by run on the same seed.
    assert.equal(r.paired?.reference, 'two-stream')
    assert.deepEqual(
      r.paired.against.map((a) => a.strategy),
      r.summary.map((s) => s.strategy).filter((s) => s !== 'two-stream'),
    )
    const accuracyOf = (strategy: string, seed: number, k: number): number =>
      r.runs.find((x) => x.strategy === strategy && x.seed === seed)!.rounds[k]!.accuracy
    for (const a of r.paired.against)
      for (const [k, x] of a.rounds.entries()) {
        const d = [0, 1, 2].map((seed) => accuracyOf('two-stream', seed, k) - accuracyOf(a.strategy, seed, k))
        assert.equal(x.pairs, 3)
        assert.ok(Math.abs(x.mean - (d[0]! + d[1]! + d[2]!) / 3) < 1e-12, `${a.strategy} round ${k + 1}`)
        assert.deepEqual([x.wins, x.losses], [d.filter((v) => v > 0).length, d.filter((v) => v < 0).length])
      }
    const table = simulationTable(r).split('\n')
    const head = table.findIndex((l) => l.startsWith('two-stream minus each strategy'))
    assert.ok(head > 0, table.join('\n'))
    for (const [i, a] of r.paired.against.entries()) {
      const x = a.rounds[0]!
      const row = table[head + 2 + i]!
      assert.ok(row.startsWith(a.strategy), row)
      assert.ok(row.includes(`${(100 * x.mean).toFixed(1)} ± `) && row.includes(`${x.wins}:${x.losses}`), row)
    }
    // With the truth as a map and half its objects called wrong, nothing above chance is guaranteed;
    // the full ground truth must give 100 % for every strategy.
    const full = cliJson<SimulationResult>([
      'simulate',
      ...['--project', m.project, '--gt', `${m.raw.split('#')[0]}#labels/mito`, '--compare'],
      ...['--N', '2', '--M', '2', '--seeds', '1'],
    ])
    assert.equal(full.initialAccuracy, 1)
    for (const s of full.summary) assert.equal(s.rounds[0]!.mean, 1, s.strategy)
  })

  test('simulate --embeddings: fresh embeddings of their own seeds, every seed run on each, resumed on a rerun', async () => {
    const args = ['simulate', '--project', m.project, '--gt', halfGt, '--strategy', 'two-stream']
    args.push(...['--N', '2', '--M', '2', '--seeds', '2', '--embeddings', '2', '--epochs', '1'])
    const setDir = join(m.project, 'proposals', `set-${proposals.set}`)
    // The set's own features are not needed with embeddings of its own.
    renameSync(join(setDir, 'features.h5'), join(setDir, 'features.away'))
    let r: SimulationResult
    try {
      r = cliJson<SimulationResult>(args)
    } finally {
      renameSync(join(setDir, 'features.away'), join(setDir, 'features.h5'))
    }
    assert.deepEqual(r.embeddings, [1, 2])
    assert.deepEqual(
      r.runs.map((x) => `${x.embedding}/${x.seed}`),
      ['1/0', '1/1', '2/0', '2/1'],
    )
    const mean = r.runs.reduce((s, x) => s + x.rounds[0]!.accuracy, 0) / r.runs.length
    assert.ok(Math.abs(r.summary[0]!.rounds[0]!.mean - mean) < 1e-12, 'the summary spans every embedding')
    const embedding = (seed: number): string => join(setDir, 'simulate', `embedding-${seed}`)
    const [own, one, two] = await Promise.all(
      [setDir, embedding(1), embedding(2)].map((d) => readFeatures(join(d, 'features.h5'))),
    )
    assert.notDeepEqual(one!.mask, two!.mask, 'each embedding trains its own VAEs')
    assert.notDeepEqual(one!.image, two!.image)
    assert.notDeepEqual(one!.mask, own!.mask, "the set's own features are left alone")
    const saved = (): number[] =>
      [1, 2].flatMap((e) =>
        ['vae-mask', 'vae-image'].map((v) => statSync(join(embedding(e), v, 'vae.json')).mtimeMs),
      )
    const before = saved()
    const again = cliJson<SimulationResult>(args)
    assert.deepEqual(saved(), before, 'a rerun resumes the finished embeddings')
    assert.deepEqual(again.runs, r.runs)
  })

  test('bad input: exit 2, one line naming the flag or file, no round stored', () => {
    const before = rounds()
    const empty = join(tmp.dir, 'empty')
    assert.equal(runCli(['project', 'init', empty]).code, 0)
    const cases: Array<[string[], RegExp]> = [
      [['suggest', '--project', m.project, '--strategy', 'best'], /--strategy.*two-stream/],
      [['suggest', '--project', m.project, '--strategy', 'random', '--N', '0'], /--N/],
      [['suggest', '--project', join(tmp.dir, 'nowhere'), '--strategy', 'random'], /nowhere/],
      [['simulate', '--project', m.project, '--compare'], /--gt/],
      [['simulate', '--project', m.project, '--gt', join(tmp.dir, 'no.h5#gt'), '--compare'], /no\.h5/],
      [
        ['simulate', '--project', m.project, '--gt', `${m.raw.split('#')[0]}#nothing`, '--compare'],
        /nothing/,
      ],
      [['simulate', '--project', m.project, '--gt', halfGt, '--compare', '--epochs', '3'], /--epochs/],
      [
        ['simulate', '--project', m.project, '--gt', halfGt, '--compare', '--embeddings', '0'],
        /--embeddings/,
      ],
      [['embed', '--project', empty], /no proposal set; run 'activeem proposals'/],
      [['embed', '--project', m.project, '--epochs', '0'], /--epochs/],
      [['embed', '--project', m.project, '--loss', 'huber'], /--loss/],
    ]
    for (const [args, message] of cases) {
      const r = runCli([...args, '--json'])
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '')
      const lines = r.stderr.trim().split('\n')
      assert.equal(lines.length, 1, r.stderr)
      assert.match(lines[0]!, /^error: /)
      assert.match(lines[0]!, message)
    }
    assert.equal(rounds(), before)
  })
})
