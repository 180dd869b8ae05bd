import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  disposeVae,
  fineTuneTriplet,
  initVaeWeights,
  separation,
  trainVae,
  vaeFeatures,
  VAE_DEFAULTS,
  type VaeConfig,
} from '../../../src-main/engine/embed/index.ts'
import { suggest } from '../../../src-main/engine/suggest/index.ts'
import { createRng } from '../../../src-main/engine/random.ts'
import { initTensorEngine } from '../../../src-main/engine/tensor/index.ts'

const S = 32
const dir = mkdtempSync(join(tmpdir(), 'activeem-vae-'))

/** Filled ellipses in [-1, 1]: `round` ones (axes ratio ~1) or `long` ones (ratio ~4), random angles. */
function ellipses(n: number, seed: number, kind: 'round' | 'long'): Float32Array {
  const rng = createRng(seed)
  const out = new Float32Array(n * S * S).fill(-1)
  for (let i = 0; i < n; i++) {
    const a = kind === 'round' ? rng.range(5, 7) : rng.range(11, 14)
    const b = kind === 'round' ? rng.range(5, 7) : rng.range(2.5, 3.5)
    const th = rng.range(0, Math.PI)
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const u = (x - 16) * Math.cos(th) + (y - 16) * Math.sin(th)
        const v = -(x - 16) * Math.sin(th) + (y - 16) * Math.cos(th)
        if ((u / a) ** 2 + (v / b) ** 2 < 1) out[i * S * S + y * S + x] = 1
      }
  }
  return out
}

/** Textured patches for the image stream: noise with fine (period 4) or coarse (period 8) stripes. */
function stripes(n: number, seed: number, period: number): Float32Array {
  const rng = createRng(seed)
  const out = new Float32Array(n * S * S)
  for (let i = 0; i < n; i++) {
    const th = rng.range(0, Math.PI)
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++)
        out[i * S * S + y * S + x] =
          0.5 * Math.sin(((x * Math.cos(th) + y * Math.sin(th)) * 2 * Math.PI) / period) + 0.3 * rng.normal()
  }
  return out
}

const config = (kind: 'mask' | 'image'): VaeConfig => ({
  ...VAE_DEFAULTS[kind],
  size: S,
  latent: 8,
  width: 8,
})

describe('VAEs of the two streams', () => {
  before(async () => {
    await initTensorEngine({ backend: 'wasm' })
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('training lowers the loss, checkpoints every epoch, resumes, and the means tell shapes apart', async () => {
    const n = 48
    const data = new Float32Array(2 * n * S * S)
    data.set(ellipses(n, 1, 'round'))
    data.set(ellipses(n, 2, 'long'), n * S * S)
    const patches = { n: 2 * n, size: S, data }
    const c = config('mask')
    const first = await trainVae({ config: c, patches, epochs: 2, dir: join(dir, 'mask'), seed: 3 })
    disposeVae(first.weights)
    const { weights, result } = await trainVae({
      config: c,
      patches,
      epochs: 8,
      dir: join(dir, 'mask'),
      seed: 3,
    })
    assert.equal(result.resumedFromEpoch, 2)
    assert.equal(result.epochs, 8)
    assert.ok(result.samplesPerSecond > 0)
    const untrained = initVaeWeights(c, 3)
    const labels = new Map<number, boolean>()
    for (let i = 0; i < 2 * n; i++) labels.set(i, i < n)
    const before = await separation(c, untrained, patches, labels)
    const afterTraining = await separation(c, weights, patches, labels)
    disposeVae(untrained)
    assert.ok(
      afterTraining.ratio < 0.8 * before.ratio,
      `within/across distance ${before.ratio.toFixed(3)} untrained, ${afterTraining.ratio.toFixed(3)} trained`,
    )
    const f = await vaeFeatures(c, weights, patches)
    assert.equal(f.length, 2 * n * c.latent)
    assert.ok(f.every(Number.isFinite))
    disposeVae(weights)
  })

  test('the same seed, 0 included, trains the same weights', async () => {
    const patches = { n: 16, size: S, data: ellipses(16, 4, 'long') }
    const c = config('mask')
    const features: Float32Array[] = []
    for (const run of ['a', 'b']) {
      // tfjs reads a seed of 0 as none: the weights and the sampling noise would differ between runs.
      const { weights } = await trainVae({
        config: c,
        patches,
        epochs: 1,
        dir: join(dir, `seed0-${run}`),
        seed: 0,
      })
      features.push(await vaeFeatures(c, weights, patches))
      disposeVae(weights)
    }
    assert.deepEqual(features[0], features[1])
  })

  test('a checkpoint resumes only its own run: another seed, other patches or fewer epochs start again', async () => {
    const patches = { n: 16, size: S, data: ellipses(16, 7, 'round') }
    const c = config('mask')
    const at = join(dir, 'runs')
    const train = async (o: { seed: number; epochs: number; data?: Float32Array }) => {
      const r = await trainVae({
        config: c,
        patches: o.data ? { ...patches, data: o.data } : patches,
        epochs: o.epochs,
        dir: at,
        seed: o.seed,
      })
      const f = await vaeFeatures(c, r.weights, patches)
      disposeVae(r.weights)
      return { resumed: r.result.resumedFromEpoch, f }
    }
    const fresh = async (o: { seed: number; epochs: number; data?: Float32Array }) => {
      rmSync(at, { recursive: true, force: true })
      return (await train(o)).f
    }
    const seed1 = await train({ seed: 1, epochs: 2 })
    assert.equal(seed1.resumed, 0)
    assert.equal(
      (await train({ seed: 1, epochs: 3 })).resumed,
      2,
      'the same run asked for more epochs resumes',
    )

    const seed2 = await train({ seed: 2, epochs: 3 })
    assert.equal(seed2.resumed, 0, "seed 2 must not take seed 1's checkpoint")
    assert.deepEqual(seed2.f, await fresh({ seed: 2, epochs: 3 }))

    await train({ seed: 2, epochs: 3 })
    const other = ellipses(16, 8, 'long')
    const moved = await train({ seed: 2, epochs: 3, data: other })
    assert.equal(moved.resumed, 0, 'other patches start again')
    assert.deepEqual(moved.f, await fresh({ seed: 2, epochs: 3, data: other }))

    await train({ seed: 2, epochs: 3 })
    const shorter = await train({ seed: 2, epochs: 1 })
    assert.equal(shorter.resumed, 0, 'a checkpoint past the epochs asked for starts again')
    assert.deepEqual(shorter.f, await fresh({ seed: 2, epochs: 1 }))
  })

  test('triplet fine-tuning separates labeled positives from negatives by a margin and changes the next round', async () => {
    const n = 24
    const data = new Float32Array(2 * n * S * S)
    data.set(stripes(n, 5, 4))
    data.set(stripes(n, 6, 8), n * S * S)
    const patches = { n: 2 * n, size: S, data }
    const c = config('image')
    const w = initVaeWeights(c, 9)
    const truth = Uint8Array.from({ length: 2 * n }, (_, i) => (i < n ? 1 : 0))
    // The first round's answers: a third of each kind, as an annotator would give them.
    const labels = new Map<number, boolean>()
    for (let i = 0; i < 2 * n; i += 3) labels.set(i, truth[i] === 1)
    const all = new Map(Array.from(truth, (t, i) => [i, t === 1] as const))
    const before = await separation(c, w, patches, all)
    const featuresBefore = await vaeFeatures(c, w, patches)
    const r = await fineTuneTriplet(c, w, patches, { labels, epochs: 15, learningRate: 3e-3, seed: 1 })
    const afterTuning = await separation(c, w, patches, all)
    const featuresAfter = await vaeFeatures(c, w, patches)
    assert.ok(r.lastLoss < r.firstLoss, `loss ${r.firstLoss} -> ${r.lastLoss}`)
    // Measured over every patch, two thirds of them never labeled.
    assert.ok(
      afterTuning.ratio < before.ratio - 0.2,
      `within/across distance ratio ${before.ratio.toFixed(3)} -> ${afterTuning.ratio.toFixed(3)}`,
    )
    // The next round clusters on the tuned features and asks about other ROIs.
    const round2 = async (image: Float32Array) =>
      suggest(
        'image-only',
        {
          mask: { n: 2 * n, d: 1, data: new Float32Array(2 * n) },
          image: { n: 2 * n, d: c.latent, data: image },
          meanProbability: new Float32Array(2 * n).fill(0.5),
          annotated: new Set(labels.keys()),
        },
        { N: 4, M: 1, Q: 1, seed: 2 },
      )
    const was = await round2(featuresBefore)
    const now = await round2(featuresAfter)
    const asked = (s: typeof was) => s.queries.map((q) => q.index).join(',')
    assert.notEqual(asked(now), asked(was))
    disposeVae(w)
  })
})
