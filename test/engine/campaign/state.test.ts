import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  campaignSteps,
  initCampaign,
  runStep,
  runUntil,
  STEPS,
  type StepName,
  type StepRunners,
} from '../../../src-main/engine/campaign/index.ts'
import { InputError } from '../../../src-main/engine/errors.ts'
import { Project } from '../../../src-main/engine/store/index.ts'
import { scopedTempDir } from '../../helpers/peers.ts'

const tmp = scopedTempDir('campaign')

const PARAMS = { N: 4, M: 2, Q: 1, iterations: 5, ratio: 0.25, seed: 1 }

function newProject(name: string): Project {
  const p = Project.init(join(tmp.dir, name))
  initCampaign(p, { task: 'synapse', raw: '/x.h5#raw', model: 'm', strategy: 'two-stream', params: PARAMS })
  return p
}

/**
 * Steps that only record the order they ran in and what they read: these tests are about the state
 * machine's ordering and resume rules (the real steps run in test/cli/round.test.ts).
 */
function recordingSteps(ran: string[], over: Partial<StepRunners> = {}): StepRunners {
  const steps = {} as StepRunners
  for (const name of STEPS)
    steps[name] = async (ctx) => {
      ran.push(`${ctx.round}:${name}`)
      const previous = STEPS[STEPS.indexOf(name) - 1]
      const input = previous ? ctx.resultOf(ctx.round, previous) : null
      return { done: true, result: { made: `${name}-${ctx.round}`, input: input?.made ?? null } }
    }
  return { ...steps, ...over }
}

const state = (p: Project, round: number, step: StepName): string =>
  campaignSteps(p).find((s) => s.round === round && s.step === step)!.state

/** A pid that was real and has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!
}

test('a campaign is set once; round 1 starts with every step pending, in order', () => {
  const p = newProject('init')
  try {
    assert.deepEqual(
      campaignSteps(p).map((s) => `${s.round}:${s.step}:${s.state}`),
      STEPS.map((s) => `1:${s}:pending`),
    )
    assert.throws(
      () =>
        initCampaign(p, { task: 'mito', raw: '/y.h5#raw', model: 'm', strategy: 'random', params: PARAMS }),
      (e) => e instanceof InputError && /set once/.test(e.message),
    )
  } finally {
    p.close()
  }
})

test('steps run in order, each reading its predecessor; the last one opens the next round', async () => {
  const p = newProject('order')
  try {
    const ran: string[] = []
    const reports = await runUntil(p, recordingSteps(ran), 'finetune')
    assert.deepEqual(
      ran,
      STEPS.map((s) => `1:${s}`),
    )
    assert.deepEqual(reports.at(-1)!.result, { made: 'finetune-1', input: 'tune-eu-1' })
    assert.equal(state(p, 1, 'finetune'), 'done')
    assert.equal(state(p, 2, 'predict'), 'pending')
    // Round 2 reads what round 1 made.
    const seen: unknown[] = []
    await runStep(
      p,
      recordingSteps(ran, {
        predict: async (ctx) => {
          seen.push(ctx.resultOf(1, 'finetune').made)
          return { done: true, result: {} }
        },
      }),
    )
    assert.deepEqual(seen, ['finetune-1'])
  } finally {
    p.close()
  }
})

test('--step refuses a step whose predecessors are not done, a done step and an unknown name', async () => {
  const p = newProject('refuse')
  try {
    const ran: string[] = []
    const steps = recordingSteps(ran)
    await assert.rejects(runStep(p, steps, { step: 'embed' }), /step predict of round 1 comes first/)
    await runStep(p, steps, { step: 'predict' })
    await assert.rejects(runStep(p, steps, { step: 'predict' }), /already done/)
    await assert.rejects(runStep(p, steps, { step: 'nope' }), InputError)
    await runStep(p, steps, { step: 'proposals' })
    assert.deepEqual(ran, ['1:predict', '1:proposals'])
  } finally {
    p.close()
  }
})

test('a failed step is recorded with its error and is the next one to run', async () => {
  const p = newProject('fail')
  try {
    const ran: string[] = []
    let fail = true
    const steps = recordingSteps(ran, {
      predict: async () => {
        if (fail) throw new Error('disk full')
        return { done: true, result: { ok: 1 } }
      },
    })
    await assert.rejects(runStep(p, steps), /disk full/)
    const row = campaignSteps(p)[0]!
    assert.equal(row.state, 'failed')
    assert.equal(row.error, 'disk full')
    fail = false
    const r = await runStep(p, steps)
    assert.equal(r.step, 'predict')
    assert.equal(state(p, 1, 'predict'), 'done')
  } finally {
    p.close()
  }
})

test('a step left running by a dead process is run again, keeping its first start; a live one is refused', async () => {
  const p = newProject('killed')
  try {
    const ran: string[] = []
    const steps = recordingSteps(ran)
    const started = '2026-01-01T00:00:00.000Z'
    p.db
      .prepare(
        "UPDATE campaign_steps SET state = 'running', pid = ?, host = NULL, started_at = ? WHERE step = 'predict'",
      )
      .run(process.pid, started)
    await assert.rejects(runStep(p, steps), /predict of round 1 is running in process/)
    p.db.prepare("UPDATE campaign_steps SET pid = ? WHERE step = 'predict'").run(deadPid())
    let startedAt = ''
    await runStep(p, {
      ...steps,
      predict: async (ctx) => {
        startedAt = ctx.startedAt
        return { done: true, result: {} }
      },
    })
    assert.equal(startedAt, started)
    assert.equal(state(p, 1, 'predict'), 'done')
  } finally {
    p.close()
  }
})

test('annotate waiting for labels stays pending with what is missing; --until stops there', async () => {
  const p = newProject('annotate')
  try {
    const ran: string[] = []
    let missing = 3
    const steps = recordingSteps(ran, {
      annotate: async () => ({ done: missing === 0, result: { missing } }),
    })
    const reports = await runUntil(p, steps, 'finetune')
    assert.deepEqual(
      reports.map((r) => `${r.step}:${r.state}`),
      ['predict:done', 'proposals:done', 'embed:done', 'suggest:done', 'annotate:pending'],
    )
    assert.deepEqual(campaignSteps(p)[4]!.result, { missing: 3 })
    await assert.rejects(
      runStep(p, steps, { step: 'tune-eu' }),
      /annotate of round 1 comes first and is pending/,
    )
    missing = 0
    const again = await runUntil(p, steps, 'annotate')
    assert.deepEqual(
      again.map((r) => `${r.step}:${r.state}`),
      ['annotate:done'],
    )
  } finally {
    p.close()
  }
})
