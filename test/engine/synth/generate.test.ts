import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateSynthetic, type SynthVolume } from '../../../src-main/engine/synth/generate.ts'

type Shape = [number, number, number]

const DEFAULT: Shape = [64, 256, 256]
let cached: SynthVolume | undefined
function defaultVolume(): SynthVolume {
  cached ??= generateSynthetic({ shape: DEFAULT, seed: 1 })
  return cached
}

const LABELS = ['clefts', 'pre', 'post', 'mito', 'distractors', 'cells'] as const

function bytesEqual(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  )
}

/** Voxel count per id (index = id). */
function histogram(labels: Uint32Array, maxId: number): Float64Array {
  const h = new Float64Array(maxId + 1)
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!
    assert.ok(v <= maxId, `label ${v} exceeds ${maxId}`)
    h[v]!++
  }
  return h
}

function assertConsecutive(labels: Uint32Array, count: number, what: string): void {
  const h = histogram(labels, count)
  for (let id = 1; id <= count; id++) assert.ok(h[id]! > 0, `${what} id ${id} has no voxels`)
}

/** Per-id centroid in physical coordinates (z scaled by anisotropy). */
function centroids(labels: Uint32Array, count: number, shape: Shape, an: number): Float64Array {
  const [, Y, X] = shape
  const acc = new Float64Array((count + 1) * 4)
  for (let i = 0; i < labels.length; i++) {
    const id = labels[i]!
    if (id === 0) continue
    const z = Math.floor(i / (Y * X))
    const y = Math.floor(i / X) % Y
    const x = i % X
    acc[id * 4]! += z * an
    acc[id * 4 + 1]! += y
    acc[id * 4 + 2]! += x
    acc[id * 4 + 3]!++
  }
  for (let id = 1; id <= count; id++) {
    const n = acc[id * 4 + 3]!
    for (let k = 0; k < 3; k++) acc[id * 4 + k] = acc[id * 4 + k]! / n
  }
  return acc
}

test('deterministic: same options give byte-identical output, another seed differs', () => {
  const shape: Shape = [24, 96, 96]
  const original = Math.random
  Math.random = () => {
    throw new Error('Math.random must not be used')
  }
  try {
    const a = generateSynthetic({ shape, seed: 7 })
    const b = generateSynthetic({ shape, seed: 7 })
    const c = generateSynthetic({ shape, seed: 8 })
    assert.ok(bytesEqual(a.raw, b.raw))
    for (const k of LABELS) assert.ok(bytesEqual(a[k], b[k]), `${k} differs between identical runs`)
    assert.deepEqual(a.synapses, b.synapses)
    assert.deepEqual(a.counts, b.counts)
    assert.ok(!bytesEqual(a.raw, c.raw))
    assert.ok(!bytesEqual(a.cells, c.cells))
  } finally {
    Math.random = original
  }
})

test('default volume: shape, resolution, array sizes and object counts', () => {
  const v = defaultVolume()
  const n = DEFAULT[0] * DEFAULT[1] * DEFAULT[2]
  assert.deepEqual(v.shape, DEFAULT)
  assert.deepEqual(v.resolutionNm, [32, 8, 8])
  assert.ok(v.raw instanceof Uint8Array)
  assert.equal(v.raw.length, n)
  for (const k of LABELS) {
    assert.ok(v[k] instanceof Uint32Array, k)
    assert.equal(v[k].length, n, k)
  }
  // one cell per 40^3 physical voxels: 256 * 256 * 256 / 64000 ~ 262
  assert.ok(v.counts.cells >= 150 && v.counts.cells <= 350, `cells ${v.counts.cells}`)
  assert.ok(v.counts.synapses >= 0.4 * v.counts.cells, `synapses ${v.counts.synapses}`)
  assert.ok(v.counts.synapses <= 1.2 * v.counts.cells, `synapses ${v.counts.synapses}`)
  assert.ok(v.counts.mitochondria >= 0.6 * v.counts.cells, `mitochondria ${v.counts.mitochondria}`)
  assert.ok(v.counts.mitochondria <= 2 * v.counts.cells, `mitochondria ${v.counts.mitochondria}`)
  assert.ok(v.counts.distractors >= 5, `distractors ${v.counts.distractors}`)
  assert.equal(v.synapses.length, v.counts.synapses)
})

test('ids are consecutive from 1 and every synapse appears in clefts, pre and post', () => {
  const v = defaultVolume()
  const S = v.counts.synapses
  assertConsecutive(v.clefts, S, 'cleft')
  assertConsecutive(v.pre, S, 'pre')
  assertConsecutive(v.post, S, 'post')
  assertConsecutive(v.mito, v.counts.mitochondria, 'mito')
  assertConsecutive(v.distractors, v.counts.distractors, 'distractor')
  assertConsecutive(v.cells, v.counts.cells, 'cell')
  v.synapses.forEach((s, k) => {
    assert.equal(s.id, k + 1)
    assert.ok(Math.abs(Math.hypot(...s.normal) - 1) < 1e-9, 'normal is a unit vector')
    assert.ok(s.preCell >= 1 && s.preCell <= v.counts.cells)
    assert.ok(s.postCell >= 1 && s.postCell <= v.counts.cells)
    assert.notEqual(s.preCell, s.postCell)
  })
})

test('clefts lie between pre and post; partner masks sit in their cells', () => {
  const v = defaultVolume()
  const S = v.counts.synapses
  const an = v.resolutionNm[0] / v.resolutionNm[2]
  const cc = centroids(v.clefts, S, DEFAULT, an)
  const pc = centroids(v.pre, S, DEFAULT, an)
  const qc = centroids(v.post, S, DEFAULT, an)
  for (const s of v.synapses) {
    const o = s.id * 4
    const proj = (c: Float64Array): number =>
      (c[o]! - cc[o]!) * s.normal[0] +
      (c[o + 1]! - cc[o + 1]!) * s.normal[1] +
      (c[o + 2]! - cc[o + 2]!) * s.normal[2]
    assert.ok(proj(pc) < -2, `synapse ${s.id}: pre centroid not on the negative side (${proj(pc)})`)
    assert.ok(proj(qc) > 2, `synapse ${s.id}: post centroid not on the positive side (${proj(qc)})`)
    // the reported centre is the cleft centroid (voxel coordinates)
    assert.ok(Math.abs(s.center[0] * an - cc[o]!) < 0.1 * an)
    assert.ok(Math.abs(s.center[1] - cc[o + 1]!) < 0.1)
    assert.ok(Math.abs(s.center[2] - cc[o + 2]!) < 0.1)
  }
  const preCell = new Uint32Array(S + 1)
  const postCell = new Uint32Array(S + 1)
  for (const s of v.synapses) {
    preCell[s.id] = s.preCell
    postCell[s.id] = s.postCell
  }
  for (let i = 0; i < v.raw.length; i++) {
    const p = v.pre[i]!
    const q = v.post[i]!
    const c = v.clefts[i]!
    if (p) assert.equal(v.cells[i], preCell[p])
    if (q) assert.equal(v.cells[i], postCell[q])
    assert.ok((c ? 1 : 0) + (p ? 1 : 0) + (q ? 1 : 0) <= 1, 'cleft / pre / post overlap')
  }
})

/** Mean intensity of one class of voxels. */
class Mean {
  sum = 0
  n = 0
  add(v: number): void {
    this.sum += v
    this.n++
  }
  get value(): number {
    return this.sum / this.n
  }
}

test('intensities: membranes and mitochondria darker than cytoplasm, realistic spread', () => {
  const v = defaultVolume()
  const [Z, Y, X] = DEFAULT
  const means = { cyto: new Mean(), mem: new Mean(), mit: new Mean(), dis: new Mean() }
  let sum = 0
  let sum2 = 0
  let min = 255
  let max = 0
  for (let z = 0; z < Z; z++)
    for (let y = 3; y < Y - 3; y++)
      for (let x = 3; x < X - 3; x++) {
        const i = (z * Y + y) * X + x
        const r = v.raw[i]!
        sum += r
        sum2 += r * r
        if (r < min) min = r
        if (r > max) max = r
        if (v.mito[i]) {
          means.mit.add(r)
          continue
        }
        if (v.distractors[i]) {
          means.dis.add(r)
          continue
        }
        if (v.clefts[i] || v.pre[i] || v.post[i]) continue
        const c = v.cells[i]
        if (v.cells[i + 1] !== c || v.cells[i + X] !== c) {
          means.mem.add(r)
        } else if (
          v.cells[i - 3] === c &&
          v.cells[i + 3] === c &&
          v.cells[i - 3 * X] === c &&
          v.cells[i + 3 * X] === c
        ) {
          means.cyto.add(r)
        }
      }
  const n = Z * (Y - 6) * (X - 6)
  const mean = sum / n
  const std = Math.sqrt(sum2 / n - mean * mean)
  const [cyto, mem, mit, dis] = [means.cyto.value, means.mem.value, means.mit.value, means.dis.value]
  assert.ok(cyto > 140 && cyto < 195, `cytoplasm ${cyto}`)
  assert.ok(mem < cyto - 40, `membranes ${mem} vs cytoplasm ${cyto}`)
  assert.ok(mit < cyto - 40 && mit > 70 && mit < 125, `mitochondria ${mit} vs cytoplasm ${cyto}`)
  assert.ok(dis < cyto - 50, `distractors ${dis} vs cytoplasm ${cyto}`)
  assert.ok(std > 20, `std ${std}`)
  assert.ok(min < 40 && max > 220, `range ${min}..${max}`)
})

test('distractors overlap no cleft, partner mask or mitochondrion; mitochondria stay inside one cell', () => {
  const v = defaultVolume()
  const M = v.counts.mitochondria
  const mitoCell = new Uint32Array(M + 1)
  for (let i = 0; i < v.raw.length; i++) {
    if (v.distractors[i]) {
      assert.equal(v.clefts[i], 0)
      assert.equal(v.pre[i], 0)
      assert.equal(v.post[i], 0)
      assert.equal(v.mito[i], 0)
    }
    const m = v.mito[i]!
    if (m) {
      assert.equal(v.clefts[i], 0)
      assert.equal(v.pre[i], 0)
      assert.equal(v.post[i], 0)
      if (mitoCell[m] === 0) mitoCell[m] = v.cells[i]!
      else assert.equal(v.cells[i], mitoCell[m], `mito ${m} spans two cells`)
    }
  }
})

test('small volumes: at least one synapse and one mitochondrion from 16x64x64 up', () => {
  for (let seed = 0; seed < 12; seed++) {
    const shape: Shape = [16, 64, 64]
    const v = generateSynthetic({ shape, seed })
    assert.ok(v.counts.synapses >= 1, `seed ${seed}: no synapse`)
    assert.ok(v.counts.mitochondria >= 1, `seed ${seed}: no mitochondrion`)
    assertConsecutive(v.clefts, v.counts.synapses, 'cleft')
    assertConsecutive(v.pre, v.counts.synapses, 'pre')
    assertConsecutive(v.post, v.counts.synapses, 'post')
    assertConsecutive(v.mito, v.counts.mitochondria, 'mito')
  }
})

test('degenerate shapes and other anisotropies do not crash', () => {
  const shapes: Shape[] = [
    [0, 8, 8],
    [1, 1, 1],
    [1, 8, 8],
    [2, 3, 1],
    [4, 16, 16],
    [8, 32, 32],
  ]
  for (const shape of shapes)
    for (const anisotropy of [1, 4, 10]) {
      const v = generateSynthetic({ shape, seed: 5, anisotropy })
      assert.equal(v.raw.length, shape[0] * shape[1] * shape[2])
      assert.deepEqual(v.resolutionNm, [8 * anisotropy, 8, 8])
      assertConsecutive(v.clefts, v.counts.synapses, 'cleft')
      assertConsecutive(v.mito, v.counts.mitochondria, 'mito')
    }
  const iso = generateSynthetic({ shape: [64, 64, 64], seed: 2, anisotropy: 1 })
  assert.ok(iso.counts.synapses >= 1 && iso.counts.mitochondria >= 1)
  assert.throws(() => generateSynthetic({ shape: [4, 4, 4], seed: 1, anisotropy: 0 }))
})

test('default shape generates within the time budget', () => {
  const t0 = performance.now()
  generateSynthetic({ shape: DEFAULT, seed: 3 })
  const ms = performance.now() - t0
  // requirement is ~3 s on one core; leave headroom for loaded CI machines
  assert.ok(ms < 6000, `took ${ms.toFixed(0)} ms`)
})
