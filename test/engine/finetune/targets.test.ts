import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { judgedRois, nextVersionName, roiTargets } from '../../../src-main/engine/finetune/index.ts'
import { setLabel } from '../../../src-main/engine/labels/index.ts'
import { recordModel, defaultConfig } from '../../../src-main/engine/model/index.ts'
import { initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'
import type { Verdict } from '../../../src-main/engine/verdicts/index.ts'
import { weightedSegmentationLoss, segmentationLoss } from '../../../src-main/engine/model/index.ts'
import { scopedTempDir } from '../../helpers/peers.ts'
import { projectWithRoiSet } from '../../helpers/roi-set.ts'

const tmp = scopedTempDir('finetune-targets')

// A 1 x 2 x 6 instance volume: ROI 1 judged correct, ROI 2 incorrect, ROI 3 not judged, 0 background.
const instances = Uint32Array.from([1, 1, 0, 2, 2, 3, 0, 1, 0, 2, 3, 3])
const verdicts = new Map<number, Verdict>([
  [1, 'correct'],
  [2, 'incorrect'],
])
const expectOf = (f: (id: number) => number): number[] => [...instances].map(f)

test('mito: a correct ROI is foreground with weight 1, an incorrect one background with weight 1, the rest weight 0', () => {
  const { targets, weights, voxels } = roiTargets(instances, verdicts, 'mito')
  assert.deepEqual(
    [...targets[0]!],
    expectOf((id) => (id === 1 ? 1 : 0)),
  )
  assert.deepEqual(
    [...weights[0]!],
    expectOf((id) => (id === 1 || id === 2 ? 1 : 0)),
  )
  assert.deepEqual(voxels, { correct: 3, incorrect: 3 })
})

test('synapse: the cleft channel learns both verdicts; pre/post learn only that a false synapse has no partners', () => {
  const { targets, weights } = roiTargets(instances, verdicts, 'synapse')
  const [pre, post, union] = [0, 1, 2]
  assert.deepEqual(
    [...targets[union]!],
    expectOf((id) => (id === 1 ? 1 : 0)),
  )
  assert.deepEqual(
    [...weights[union]!],
    expectOf((id) => (id === 1 || id === 2 ? 1 : 0)),
  )
  for (const c of [pre, post]) {
    assert.deepEqual(
      [...targets[c]!],
      expectOf(() => 0),
    )
    assert.deepEqual(
      [...weights[c]!],
      expectOf((id) => (id === 2 ? 1 : 0)),
    )
  }
})

test('the weighted loss equals the training loss where every voxel is known, and ignores voxels of weight 0', async () => {
  await initTensorEngine({ backend: 'cpu' })
  const shape: [number, number, number, number, number] = [1, 2, 4, 4, 1]
  const logits = tf.tensor5d(
    Array.from({ length: 32 }, (_, i) => Math.sin(i) * 3),
    shape,
  )
  const target = tf.tensor5d(
    Array.from({ length: 32 }, (_, i) => (i % 5 === 0 ? 1 : 0)),
    shape,
  )
  const mask = tf.tensor1d([1])
  const full = weightedSegmentationLoss(logits, target, tf.onesLike(target), mask, 3).dataSync()[0]!
  assert.ok(Math.abs(full - segmentationLoss(logits, target, mask, 3).dataSync()[0]!) < 1e-5)
  // Changing the logits where the weight is 0 changes nothing.
  const half = tf.tensor5d(
    Array.from({ length: 32 }, (_, i) => (i < 16 ? 1 : 0)),
    shape,
  )
  const moved = tf.tensor5d(
    Array.from({ length: 32 }, (_, i) => (i < 16 ? Math.sin(i) * 3 : 9)),
    shape,
  )
  const a = weightedSegmentationLoss(logits, target, half, mask, 3).dataSync()[0]!
  const b = weightedSegmentationLoss(moved, target, half, mask, 3).dataSync()[0]!
  assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`)
})

test('judged ROIs: majorities only (unsure and ties are no verdict); a label-less set has none', () => {
  const { project, set } = projectWithRoiSet(join(tmp.dir, 'labels'), 5)
  try {
    assert.equal(judgedRois(project, set, false).verdicts.size, 0)
    setLabel(project, set, 1, 'correct', 'ana')
    setLabel(project, set, 2, 'incorrect', 'ana')
    setLabel(project, set, 2, 'incorrect', 'ben')
    setLabel(project, set, 3, 'unsure', 'ana')
    setLabel(project, set, 4, 'correct', 'ana')
    setLabel(project, set, 4, 'incorrect', 'ben')
    const judged = judgedRois(project, set, false)
    assert.deepEqual(
      [...judged.verdicts].sort((x, y) => x[0] - y[0]),
      [
        [1, 'correct'],
        [2, 'incorrect'],
      ],
    )
    assert.equal(judged.labelsUpTo, 6)
    // Without a round every ROI is its own cluster: propagation adds nothing nobody said.
    assert.equal(judgedRois(project, set, true).verdicts.size, 2)
  } finally {
    project.close()
  }
})

test('versions are numbered per root model, whichever version is fine-tuned', () => {
  const { project } = projectWithRoiSet(join(tmp.dir, 'names'), 1)
  try {
    const config = defaultConfig('mito')
    assert.equal(nextVersionName(project, 'mito'), 'mito-ft1')
    recordModel(project, 'mito', config, {})
    recordModel(project, 'mito-ft1', config, {})
    recordModel(project, 'mitochondria-ft7', config, {})
    assert.equal(nextVersionName(project, 'mito'), 'mito-ft2')
    assert.equal(nextVersionName(project, 'mito-ft1'), 'mito-ft2')
  } finally {
    project.close()
  }
})
