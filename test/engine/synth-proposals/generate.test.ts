import assert from 'node:assert/strict'
import { test } from 'node:test'
import { generateProposals, type SynthProposals } from '../../../src-main/engine/synth-proposals/index.ts'

/** Area, eccentricity (from the mask's second moments) and mean grey inside the mask of aligned patch i. */
function stats(g: SynthProposals, i: number): { area: number; ecc: number; grey: number } {
  const s = g.size
  let n = 0
  let sy = 0
  let sx = 0
  let grey = 0
  for (let y = 0; y < s; y++)
    for (let x = 0; x < s; x++) {
      const k = i * s * s + y * s + x
      if (g.mask[k] !== 1) continue
      n++
      sy += y
      sx += x
      grey += g.image[k]!
    }
  const my = sy / n
  const mx = sx / n
  let yy = 0
  let xx = 0
  let xy = 0
  for (let y = 0; y < s; y++)
    for (let x = 0; x < s; x++) {
      if (g.mask[i * s * s + y * s + x] !== 1) continue
      yy += (y - my) ** 2
      xx += (x - mx) ** 2
      xy += (y - my) * (x - mx)
    }
  const tr = (yy + xx) / n
  const det = (yy * xx - xy * xy) / (n * n)
  const root = Math.sqrt(Math.max(0, (tr * tr) / 4 - det))
  const l1 = tr / 2 + root
  const l2 = tr / 2 - root
  return { area: n, ecc: Math.sqrt(1 - l2 / l1), grey: grey / n }
}

function meanOf(g: SynthProposals, kinds: readonly string[], key: 'area' | 'ecc' | 'grey'): number {
  const rows = g.kinds.flatMap((k, i) => (kinds.includes(k) ? [stats(g, i)[key]] : []))
  assert.ok(rows.length > 20, `${kinds.join()}: ${rows.length} ROIs`)
  return rows.reduce((a, b) => a + b, 0) / rows.length
}

test('round(p n) correct ROIs, and only the wrong kinds asked for, each in its share', () => {
  const g = generateProposals({ rois: 101, p: 0.76, wrong: ['shape', 'empty'], seed: 3, patchSize: 32 })
  assert.equal(g.kinds.length, 101)
  assert.equal(g.image.length, 101 * 32 * 32)
  assert.equal(
    g.correct.reduce((a, b) => a + b, 0),
    77,
  )
  const wrongKinds = new Set(g.kinds.filter((k) => k !== 'correct'))
  assert.deepEqual([...wrongKinds].sort(), ['fragment', 'membrane', 'merge', 'noise'])
  for (const k of wrongKinds) assert.ok(g.kinds.filter((x) => x === k).length >= 6, k)
  g.kinds.forEach((k, i) => assert.equal(g.correct[i], k === 'correct' ? 1 : 0))
  // Every ROI has a mask in its patch and in its thumbnail.
  for (let i = 0; i < 101; i++) {
    assert.ok(g.mask.subarray(i * 1024, (i + 1) * 1024).includes(1), `ROI ${i + 1}: empty mask`)
    assert.ok(
      g.thumbMask.subarray(i * 1024, (i + 1) * 1024).includes(1),
      `ROI ${i + 1}: empty thumbnail mask`,
    )
  }
})

test('a seed gives the same set; another seed another', () => {
  const o = { rois: 40, p: 0.5, wrong: ['content'] as const, seed: 11, patchSize: 64 }
  const a = generateProposals(o)
  const b = generateProposals(o)
  const c = generateProposals({ ...o, seed: 12 })
  assert.deepEqual(a.kinds, b.kinds)
  assert.ok(Buffer.from(a.image).equals(Buffer.from(b.image)))
  assert.ok(Buffer.from(a.thumbMask.buffer).equals(Buffer.from(b.thumbMask.buffer)))
  assert.deepEqual([...a.angleDeg], [...b.angleDeg])
  assert.ok(!Buffer.from(a.image).equals(Buffer.from(c.image)))
})

test("content-wrong ROIs: the correct class's mask shapes, other image content", () => {
  const g = generateProposals({ rois: 600, p: 0.5, wrong: ['content'], seed: 5, patchSize: 64 })
  const content = ['dense-body', 'vesicle-cloud']
  const area = [meanOf(g, ['correct'], 'area'), meanOf(g, content, 'area')]
  const ecc = [meanOf(g, ['correct'], 'ecc'), meanOf(g, content, 'ecc')]
  assert.ok(Math.abs(area[0]! - area[1]!) < 0.12 * area[0]!, `areas ${area.join(' vs ')}`)
  assert.ok(Math.abs(ecc[0]! - ecc[1]!) < 0.03, `eccentricities ${ecc.join(' vs ')}`)
  // Inside the mask: mitochondria ~100, dense bodies darker, vesicle clouds lighter.
  const mito = meanOf(g, ['correct'], 'grey')
  const dense = meanOf(g, ['dense-body'], 'grey')
  const cloud = meanOf(g, ['vesicle-cloud'], 'grey')
  assert.ok(mito - dense > 10, `mitochondria ${mito}, dense bodies ${dense}`)
  assert.ok(cloud - mito > 20, `mitochondria ${mito}, vesicle clouds ${cloud}`)
})

test('shape-wrong ROIs differ in size: fragments smaller, merges larger than the correct ones', () => {
  const g = generateProposals({ rois: 300, p: 0.5, wrong: ['shape'], seed: 8, patchSize: 64 })
  const correct = meanOf(g, ['correct'], 'area')
  assert.ok(meanOf(g, ['fragment'], 'area') < 0.5 * correct)
  assert.ok(meanOf(g, ['merge'], 'area') > 1.15 * correct)
})

test('bad options name their flag', () => {
  const o = { rois: 100, p: 0.7, wrong: ['shape'] as const, seed: 1, patchSize: 64 }
  assert.throws(() => generateProposals({ ...o, p: 1 }), /--p: expected an accuracy in \(0, 1\)/)
  assert.throws(() => generateProposals({ ...o, rois: 9 }), /--rois: expected an integer from 10/)
  assert.throws(() => generateProposals({ ...o, wrong: [] }), /--wrong: name at least one/)
  assert.throws(() => generateProposals({ ...o, patchSize: 16 }), /--patch/)
})
