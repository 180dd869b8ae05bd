import assert from 'node:assert/strict'
import { cpSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import Database from 'better-sqlite3'
import { interruptCli, jobIteration } from '../helpers/child.ts'
import { cliJson, demoProject, runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/peers.ts'

const tmp = tempDir('round-cli')
const project = join(tmp.dir, 'project')
/** A copy of the demo project before any campaign: its rounds are annotated by hand. */
const manual = join(tmp.dir, 'manual')
const raw = `${join(tmp.dir, 'held-out', 'synthetic.h5')}#raw`
const gt = `${join(tmp.dir, 'held-out', 'synthetic.h5')}#labels/clefts`
after(() => tmp.cleanup())

function db<T>(dir: string, read: (d: Database.Database) => T): T {
  const d = new Database(join(dir, 'activeem.sqlite'), { readonly: true })
  try {
    return read(d)
  } finally {
    d.close()
  }
}

interface Report {
  round: number
  step: string
  state: string
  result: Record<string, unknown>
  steps: Array<{ round: number; step: string; state: string; result: Record<string, unknown> }>
}

interface CampaignManifest {
  strategy: string
  params: { N: number; oracle?: string }
  steps: Array<{ round: number; step: string; state: string; result: Record<string, unknown> | null }>
}

interface Status {
  round: number
  next: string | null
  steps: Array<{
    round: number
    step: string
    state: string
    alive: boolean
    result: Record<string, unknown> | null
  }>
}

const init = (dir: string, extra: string[]): void => {
  cliJson([
    'round',
    ...['--project', dir, '--init', '--task', 'synapse', '--raw', raw],
    ...['--N', '4', '--M', '2', '--epochs', '1', '--iterations', '40'],
    ...extra,
  ])
}

before(() => {
  demoProject(tmp.dir, '32,128,128', 20)
  cpSync(project, manual, { recursive: true })
})

test('bad input exits 2 with one error line', () => {
  const cases: string[][] = [
    ['round'],
    ['round', '--project', project, '--status'],
    ['round', '--project', project],
    ['round', '--project', project, '--init', '--task', 'synapse'],
    ['round', '--project', project, '--init', '--task', 'cells', '--raw', raw],
    ['round', '--project', project, '--init', '--task', 'synapse', '--raw', raw, '--oracle', '/no/such.h5#x'],
    ['round', '--project', project, '--init', '--task', 'synapse', '--raw', raw, '--model', 'nope'],
    ['round', '--project', project, '--step', 'bogus'],
    ['round', '--project', project, '--task', 'synapse'],
    ['round', '--project', project, '--status', '--step', 'predict'],
  ]
  for (const args of cases) {
    const r = runCli(args)
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    const lines = r.stderr.trim().split('\n')
    assert.equal(lines.length, 1, r.stderr)
    assert.match(lines[0]!, /^error: /)
  }
})

test('with an oracle, --until annotate runs predict, proposals, embed, suggest and labels the queries', () => {
  init(project, ['--oracle', gt])
  assert.throws(() => init(project, []), /set once/)
  // The demo's round 1 of set 1 is unlabelled: the suggest step refuses to start another round over it
  // (the steps before it run), exit 2 with one error line; --force goes on from that step.
  const refused = runCli(['round', '--project', project, '--until', 'annotate'])
  assert.equal(refused.code, 2, refused.stderr)
  const errors = refused.stderr.split('\n').filter((line) => line.startsWith('error: '))
  assert.equal(errors.length, 1, refused.stderr)
  assert.match(
    errors[0]!,
    /^error: round 1 of proposal set 1 has (\d+) of \1 queries unlabelled; .*pass --force to start a new round anyway$/,
  )
  const halted = cliJson<Status>(['round', '--project', project, '--status'])
  assert.deepEqual(
    halted.steps.filter((s) => s.round === 1).map((s) => `${s.step}:${s.state}`),
    [
      'predict:done',
      'proposals:done',
      'embed:done',
      'suggest:failed',
      'annotate:pending',
      'tune-eu:pending',
      'finetune:pending',
    ],
  )
  const stored = db(project, (d) => d.prepare('SELECT COUNT(*) AS n FROM rounds').get()) as { n: number }
  assert.equal(stored.n, 1, "no round stored but the demo's")
  const r = cliJson<Report>(['round', '--project', project, '--until', 'annotate', '--force'])
  assert.deepEqual(
    r.steps.map((s) => `${s.round}:${s.step}:${s.state}`),
    ['1:suggest:done', '1:annotate:done'],
  )
  const [suggest, annotate] = r.steps
  const predict = cliJson<Status>(['round', '--project', project, '--status']).steps[0]!
  assert.ok(existsSync(predict.result!.map as string))
  assert.equal(predict.result!.model, 'synapse-demo')
  // A new set from this round's map (the demo made set 1), asked about in a new round.
  assert.equal(suggest!.result.set, 2)
  const queries = suggest!.result.queries as number[]
  assert.ok(queries.length > 0)
  assert.equal(annotate!.result.missing, 0)
  assert.equal(annotate!.result.byOracle, queries.length)
  const labels = db(project, (d) =>
    d.prepare('SELECT roi_id, annotator, round_id FROM labels WHERE set_id = 2 ORDER BY roi_id').all(),
  ) as Array<{ roi_id: number; annotator: string; round_id: number }>
  assert.deepEqual(
    labels.map((l) => l.roi_id),
    [...queries].sort((a, b) => a - b),
  )
  assert.ok(labels.every((l) => l.annotator === 'oracle' && l.round_id === suggest!.result.roundId))
})

test('a fine-tuning step killed midway is found running with no process, run again, and round 2 predicts with its version', async () => {
  const eu = cliJson<Report>(['round', '--project', project])
  assert.equal(eu.step, 'tune-eu')
  assert.equal(eu.state, 'done')
  await interruptCli(
    ['round', '--project', project, '--json'],
    'SIGKILL',
    'a few fine-tuning iterations',
    () => jobIteration(project, 'finetune') >= 3,
    300_000,
    200,
  )
  const status = cliJson<Status>(['round', '--project', project, '--status'])
  const ft = status.steps.find((s) => s.round === 1 && s.step === 'finetune')!
  assert.equal(ft.state, 'running')
  assert.equal(ft.alive, false)
  assert.equal(status.next, 'finetune')

  const resumed = cliJson<Report>(['round', '--project', project])
  assert.equal(resumed.step, 'finetune')
  assert.equal(resumed.state, 'done')
  assert.equal(resumed.result.model, 'synapse-demo-ft1')
  const jobs = db(project, (d) =>
    d.prepare("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'finetune'").get(),
  ) as { n: number }
  assert.equal(jobs.n, 1, 'the killed fine-tuning job was resumed, not started again')

  const next = cliJson<Report>(['round', '--project', project])
  assert.equal(next.round, 2)
  assert.equal(next.step, 'predict')
  assert.equal(next.result.model, 'synapse-demo-ft1')
  assert.match(next.result.map as string, /campaign-r2\.zarr$/)
})

test('an export carries the campaign: its parameters and every step with its state and result', () => {
  const out = join(tmp.dir, 'export')
  cliJson(['export', '--project', project, '--out', out])
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
    campaign: CampaignManifest | null
  }
  const c = manifest.campaign!
  assert.ok(c, 'the manifest names the campaign')
  assert.equal(c.strategy, 'two-stream')
  assert.equal(c.params.N, 4)
  assert.equal(c.params.oracle, gt)
  const steps = c.steps.map((s) => `${s.round} ${s.step} ${s.state}`)
  assert.deepEqual(steps.slice(0, 8), [
    '1 predict done',
    '1 proposals done',
    '1 embed done',
    '1 suggest done',
    '1 annotate done',
    '1 tune-eu done',
    '1 finetune done',
    '2 predict done',
  ])
  assert.equal(c.steps.find((s) => s.step === 'finetune')!.result!.model, 'synapse-demo-ft1')
})

test('without an oracle, annotate waits for the labels people give, then is done', () => {
  init(manual, [])
  // The demo's unlabelled round 1 is left knowingly.
  const r = cliJson<Report>(['round', '--project', manual, '--until', 'annotate', '--force'])
  assert.equal(r.step, 'annotate')
  assert.equal(r.state, 'pending')
  const queries = r.steps.find((s) => s.step === 'suggest')!.result.queries as number[]
  assert.equal(r.result.missing, queries.length)
  const human = runCli(['round', '--project', manual])
  assert.equal(human.code, 0, human.stderr)
  assert.match(human.stdout, new RegExp(`annotate: waits for ${queries.length} of ${queries.length} labels`))
  for (const [k, roi] of queries.entries())
    cliJson([
      'label',
      ...['--project', manual, '--roi', String(roi), '--annotator', 'ana'],
      ...['--value', k % 2 ? 'correct' : 'incorrect'],
    ])
  const done = cliJson<Report>(['round', '--project', manual])
  assert.equal(done.step, 'annotate')
  assert.equal(done.state, 'done')
  assert.equal(done.result.missing, 0)
  assert.equal(done.result.byOracle, 0)
})
