/**
 * A training loop's checkpoint (train and fine-tune): the model as saveModel writes it, plus the
 * optimizer's slots and the loop's state, so an interrupted run resumes where it stopped.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeNamed, encodeNamed, saveModel, type Weights } from '../model/index.ts'
import { tf } from '../tensor/index.ts'

export async function writeCheckpoint(
  dir: string,
  meta: Parameters<typeof saveModel>[1],
  weights: Weights,
  optimizer: tf.Optimizer,
  state: object,
): Promise<void> {
  const { data, specs } = await encodeNamed(await optimizer.getWeights())
  await saveModel(dir, meta, weights, {
    'optimizer.bin': data,
    'optimizer.json': JSON.stringify(specs),
    'state.json': JSON.stringify(state),
  })
}

/** The loop's state saved in `dir`, after restoring the optimizer's slots into `optimizer`. */
export async function readCheckpoint<State>(dir: string, optimizer: tf.Optimizer): Promise<State> {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as State
  const spec = JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8')) as tf.io.WeightsManifestEntry[]
  const named = decodeNamed(readFileSync(join(dir, 'optimizer.bin')), spec)
  await optimizer.setWeights(spec.map((s) => ({ name: s.name, tensor: named[s.name]! })))
  return state
}
