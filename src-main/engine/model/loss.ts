import { tf } from '../tensor/index.ts'

/**
 * Foreground-reweighted binary cross-entropy plus soft Dice, per channel, masked to the channels that
 * are supervised. Sparse targets (synaptic clefts are ~0.5 % of voxels) need both: the weight keeps
 * BCE from settling on "all background", Dice rewards overlap directly (high recall first).
 */
export function segmentationLoss(
  logits: tf.Tensor5D,
  target: tf.Tensor5D,
  channelMask: tf.Tensor1D,
  foregroundWeight: number,
): tf.Scalar {
  return tf.tidy(() => {
    const weight = tf.add(tf.mul(target, foregroundWeight - 1), 1)
    // log(1 + exp(-|z|)) + max(z, 0) - z * y: stable for large logits.
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, target)), tf.softplus(tf.neg(tf.abs(logits))))
    const weighted = tf.mul(bce, weight)
    const perChannelBce = tf.div(tf.sum(weighted, [0, 1, 2, 3]), tf.sum(weight, [0, 1, 2, 3]))
    const p = tf.sigmoid(logits)
    const inter = tf.sum(tf.mul(p, target), [0, 1, 2, 3])
    const denom = tf.add(tf.sum(p, [0, 1, 2, 3]), tf.sum(target, [0, 1, 2, 3]))
    const dice = tf.div(tf.add(tf.mul(inter, 2), 1), tf.add(denom, 1))
    const perChannel = tf.add(perChannelBce, tf.sub(1, dice))
    return tf.div(tf.sum(tf.mul(perChannel, channelMask)), tf.maximum(tf.sum(channelMask), 1)) as tf.Scalar
  })
}

/**
 * The same BCE + soft Dice with a per-voxel, per-channel weight (0 = not known, so not learnt from),
 * normalised per sample: each sample of the batch counts equally whatever share of its voxels is known,
 * so a batch that mixes sparse annotated ROIs with a fully labelled volume keeps the mixing ratio in the
 * loss too. A sample's channel without any weighted voxel does not count.
 */
export function weightedSegmentationLoss(
  logits: tf.Tensor5D,
  target: tf.Tensor5D,
  voxelWeight: tf.Tensor5D,
  channelMask: tf.Tensor1D,
  foregroundWeight: number,
): tf.Scalar {
  return tf.tidy(() => {
    const axes = [1, 2, 3]
    const weight = tf.mul(tf.add(tf.mul(target, foregroundWeight - 1), 1), voxelWeight)
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, target)), tf.softplus(tf.neg(tf.abs(logits))))
    const bceNC = tf.div(tf.sum(tf.mul(bce, weight), axes), tf.maximum(tf.sum(weight, axes), 1e-6))
    const p = tf.mul(tf.sigmoid(logits), voxelWeight)
    const t = tf.mul(target, voxelWeight)
    const inter = tf.sum(tf.mul(p, t), axes)
    const denom = tf.add(tf.sum(p, axes), tf.sum(t, axes))
    const dice = tf.div(tf.add(tf.mul(inter, 2), 1), tf.add(denom, 1))
    // Dice of a sample without known foreground is 1 / (1 + sum p): its gradient vanishes once a few
    // voxels are lit, so such samples (ROIs judged incorrect, empty crops) learn from BCE alone.
    const hasForeground = tf.cast(tf.greater(tf.sum(t, axes), 0), 'float32')
    const perNC = tf.add(bceNC, tf.mul(tf.sub(1, dice), hasForeground))
    const valid = tf.mul(tf.cast(tf.greater(tf.sum(voxelWeight, axes), 0), 'float32'), channelMask)
    const perSample = tf.div(tf.sum(tf.mul(perNC, valid), 1), tf.maximum(tf.sum(valid, 1), 1))
    const sampleValid = tf.cast(tf.greater(tf.sum(valid, 1), 0), 'float32')
    return tf.div(tf.sum(tf.mul(perSample, sampleValid)), tf.maximum(tf.sum(sampleValid), 1)) as tf.Scalar
  })
}
