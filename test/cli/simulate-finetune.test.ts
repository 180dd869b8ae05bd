import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import Database from 'better-sqlite3'
import { openVolume } from '../../src-main/engine/volume/index.ts'
import type { CampaignSimulation } from '../../src-main/engine/campaign/index.ts'
import { campaignTable } from '../../src-main/cli/commands/simulate.ts'
import { cliJson, runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/peers.ts'

const tmp = tempDir('simulate-finetune')
const project = join(tmp.dir, 'project')
const pool = join(tmp.dir, 'held-out', 'synthetic.h5')
const test3 = join(tmp.dir, 'test', 'synthetic.h5')
after(() => tmp.cleanup())

const args = (out: string): string[] => [
  'simulate',
  ...['--project', project, '--finetune', '--task', 'synapse'],
  ...['--raw', `${pool}#raw`, '--gt', `${pool}#labels/clefts`],
  // The held-out part: a box of a third volume the model never saw.
  ...['--test', `${test3}#raw[0:32,0:128,0:96]`, '--test-gt', `${test3}#labels/clefts[0:32,0:128,0:96]`],
  ...['--strategy', 'two-stream,random', '--rounds', '1'],
  ...['--N', '2', '--M', '2', '--epochs', '1', '--iterations', '6', '--out', out],
]

let demo: { campaign: CampaignSimulation | null }
before(() => {
  // The demo's step 12 runs two full rounds per strategy; its third volume (test/) is the held-out part.
  demo = cliJson(['demo', '--out', tmp.dir, '--shape', '32,128,128', '--iterations', '20', '--epochs', '1'])
})

/** Proposals judged against the ground truth by a second, whole-volume count (not the engine's oracle). */
async function judge(labelsSpec: string, gtSpec: string): Promise<{ proposals: number; correct: number }> {
  const labels = await openVolume(labelsSpec)
  const gt = await openVolume(gtSpec)
  try {
    const full = { z0: 0, z1: gt.shape[0], y0: 0, y1: gt.shape[1], x0: 0, x1: gt.shape[2] }
    const ids = await labels.readRegion(full)
    const truth = await gt.readRegion(full)
    // Per ROI: its box, then the ground truth inside the box and the part of it the ROI covers.
    const box = new Map<number, number[]>()
    const [, ny, nx] = gt.shape
    for (let i = 0; i < ids.length; i++) {
      const id = Number(ids[i])
      if (id === 0) continue
      const z = Math.floor(i / (ny * nx))
      const y = Math.floor(i / nx) % ny
      const x = i % nx
      const b = box.get(id) ?? [z, z, y, y, x, x]
      box.set(id, [
        Math.min(b[0]!, z),
        Math.max(b[1]!, z),
        Math.min(b[2]!, y),
        Math.max(b[3]!, y),
        Math.min(b[4]!, x),
        Math.max(b[5]!, x),
      ])
    }
    let correct = 0
    for (const [id, [z0, z1, y0, y1, x0, x1]] of box) {
      let inside = 0
      let covered = 0
      for (let z = z0!; z <= z1!; z++)
        for (let y = y0!; y <= y1!; y++)
          for (let x = x0!; x <= x1!; x++) {
            const i = (z * ny + y) * nx + x
            if (Number(truth[i]) === 0) continue
            inside++
            if (Number(ids[i]) === id) covered++
          }
      if (inside > 0 && 2 * covered > inside) correct++
    }
    return { proposals: box.size, correct }
  } finally {
    labels.close()
    gt.close()
  }
}

test('the demo runs two full rounds per strategy; the held-out proposal accuracy after each', async () => {
  const r = demo.campaign!
  assert.ok(r, 'the demo ran its campaigns')
  assert.equal(r.test.raw, `${test3}#raw`)
  assert.deepEqual(
    r.runs.map((x) => x.strategy),
    ['two-stream', 'random'],
  )
  assert.ok(r.test.objects > 0)
  const heldOut = [r.base, ...r.runs.flatMap((x) => x.rounds.map((y) => y.heldOut))]
  for (const h of heldOut) {
    assert.ok(h.correct <= h.proposals)
    assert.equal(h.accuracy, h.proposals ? h.correct / h.proposals : 0)
  }
  assert.equal(r.base.model, 'synapse-demo')
  let carried = 0
  for (const run of r.runs) {
    assert.equal(run.rounds.length, 2)
    // Round 1 fine-tunes the base model, round 2 the version round 1 made.
    assert.deepEqual(
      run.rounds.map((x) => x.heldOut.model),
      ['synapse-demo-ft1', 'synapse-demo-ft2'],
    )
    const d = new Database(join(run.project, 'activeem.sqlite'), { readonly: true })
    try {
      const models = (d.prepare('SELECT name FROM models ORDER BY id').all() as Array<{ name: string }>).map(
        (m) => m.name,
      )
      assert.deepEqual(models, ['synapse-demo', 'synapse-demo-ft1', 'synapse-demo-ft2'])
      const steps = d.prepare("SELECT round, step FROM campaign_steps WHERE state = 'done'").all()
      assert.equal(steps.length, 14, 'seven steps done in each of two rounds')
      // Active clustering across rounds: round 2 clusters its new set with the Eu round 1's answers tuned.
      const result = (round: number, step: string): Record<string, unknown> =>
        JSON.parse(
          (
            d.prepare('SELECT result FROM campaign_steps WHERE round = ? AND step = ?').get(round, step) as {
              result: string
            }
          ).result,
        ) as Record<string, unknown>
      const tuned = result(1, 'tune-eu')
      const embed2 = result(2, 'embed')
      if (tuned.tuned) {
        carried++
        assert.match(String(tuned.vae), /vae-image-tuned$/)
        assert.equal(embed2.imageVae, tuned.vae)
        const features = d
          .prepare("SELECT result FROM jobs WHERE kind = 'embed' ORDER BY id DESC LIMIT 1")
          .get() as { result: string }
        const image = (JSON.parse(features.result) as { image: { reusedFrom?: string; epochs: number } })
          .image
        assert.deepEqual([image.reusedFrom, image.epochs], [tuned.vae, 0])
      } else assert.equal(embed2.imageVae, null)
      // Every query of each round was answered by the oracle: N*M*Q = 16 of them, fewer only for a small set.
      const oracle = d
        .prepare(
          "SELECT COUNT(*) AS n, SUM(value = 'correct') AS c FROM labels WHERE annotator = 'oracle' GROUP BY round_id ORDER BY round_id",
        )
        .all() as Array<{ n: number; c: number }>
      assert.equal(oracle.length, 2)
      for (const [k, round] of run.rounds.entries()) {
        assert.ok(round.queries > 0 && round.queries <= 16)
        assert.equal(oracle[k]!.n, round.queries)
        assert.equal(round.queriesCorrect, oracle[k]!.c)
        // The held-out figures agree with an independent count on the set's label volume.
        const set = d.prepare('SELECT dir FROM proposal_sets WHERE id = ?').get(round.heldOut.set) as {
          dir: string
        }
        const seen = await judge(
          `${join(run.project, set.dir, 'labels.zarr')}#labels`,
          `${test3}#labels/clefts`,
        )
        assert.deepEqual(seen, { proposals: round.heldOut.proposals, correct: round.heldOut.correct })
      }
    } finally {
      d.close()
    }
  }
  assert.ok(carried > 0, 'some campaign had answers of both kinds to tune Eu with')
  // The table a person reads: per strategy a line with a figure for rounds 0, 1 and 2.
  const table = campaignTable(r)
  assert.match(table, /strategy\s+round 0\s+round 1\s+round 2\n/)
  for (const run of r.runs) {
    const figures = [r.base, ...run.rounds.map((x) => x.heldOut)]
      .map((h) => `${(100 * h.accuracy).toFixed(1)}% \\(${h.correct}/${h.proposals}\\)`)
      .join('\\s+')
    assert.match(table, new RegExp(`\\n${run.strategy}\\s+${figures}\\n`))
  }
})

test('simulate --finetune from the command line, a box of a volume as the held-out part', async () => {
  const out = join(tmp.dir, 'sim')
  const argv = args(out).map((a) => (a === 'two-stream,random' ? 'random' : a))
  const r = cliJson<CampaignSimulation>(argv)
  assert.equal(r.test.raw, `${test3}#raw[0:32,0:128,0:96]`)
  assert.deepEqual(
    r.runs.map((x) => [x.strategy, x.rounds.map((y) => [y.queries, y.heldOut.model])]),
    [['random', [[4, 'synapse-demo-ft1']]]],
  )
  const d = new Database(join(r.runs[0]!.project, 'activeem.sqlite'), { readonly: true })
  const set = d
    .prepare('SELECT dir FROM proposal_sets WHERE id = ?')
    .get(r.runs[0]!.rounds[0]!.heldOut.set) as {
    dir: string
  }
  d.close()
  const seen = await judge(
    `${join(r.runs[0]!.project, set.dir, 'labels.zarr')}#labels`,
    `${test3}#labels/clefts[0:32,0:128,0:96]`,
  )
  const h = r.runs[0]!.rounds[0]!.heldOut
  assert.deepEqual(seen, { proposals: h.proposals, correct: h.correct })
  assert.match(campaignTable(r), /\nrandom\s+\d+\.\d% \(\d+\/\d+\)\s+\d+\.\d% \(\d+\/\d+\)\n/)
})

test('simulate --finetune: bad input exits 2 with one clear line and makes no folder', () => {
  const taken = join(tmp.dir, 'taken')
  mkdirSync(taken)
  const cases: Array<[string[], RegExp]> = [
    [
      args(join(tmp.dir, 'x1')).filter((a, i, all) => a !== '--test-gt' && all[i - 1] !== '--test-gt'),
      /--test-gt is required/,
    ],
    [[...args(join(tmp.dir, 'x2')), '--active'], /--active, --set, --seeds and --budget belong/],
    [
      args(join(tmp.dir, 'x3')).map((a) =>
        a.includes('labels/clefts[') ? a.replace('[0:32,0:128,0:96]', '[0:32,0:128,0:90]') : a,
      ),
      /--test: ground truth .* is 32x128x90, its raw .* is 32x128x96/,
    ],
    [
      args(join(tmp.dir, 'x4')).map((a) => (a === 'two-stream,random' ? 'two-stream,bogus' : a)),
      /--strategy/,
    ],
    [args(taken), /exists; a simulation never reuses a folder/],
    [
      [
        'simulate',
        '--project',
        project,
        '--gt',
        `${pool}#labels/clefts`,
        '--strategy',
        'random',
        '--test',
        'x',
      ],
      /--test: only with --finetune/,
    ],
  ]
  for (const [argv, message] of cases) {
    const r = runCli(argv)
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`)
    const lines = r.stderr.trim().split('\n')
    assert.equal(lines.length, 1, r.stderr)
    assert.match(lines[0]!, /^error: /)
    assert.match(lines[0]!, message)
  }
  for (const k of ['x1', 'x2', 'x3', 'x4']) assert.equal(existsSync(join(tmp.dir, k)), false, k)
})
