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
