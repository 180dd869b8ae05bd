import { InputError } from '../errors.ts'

export const TASKS = ['synapse', 'mito'] as const
export type Task = (typeof TASKS)[number]

/** Output channels per task: synapse = pre-synaptic, post-synaptic, union (the cleft); mito = one. */
export const TASK_CHANNELS: Record<Task, readonly string[]> = {
  synapse: ['pre', 'post', 'union'],
  mito: ['mito'],
}

export const MODEL_FORMAT = 'activeem-unet'
export const MODEL_FORMAT_VERSION = 1

export interface ModelConfig {
  task: Task
  /** Feature maps at the top level; each level below doubles them. */
  width: number
  /** Number of resolution levels (1 = no downsampling). */
  depth: number
  /**
   * In-plane only at the top levels: EM is ~4-10x coarser in z, so 1x3x3 kernels there and 3x3x3
   * only once xy has been downsampled towards isotropy.
   */
  isotropicFromLevel: number
  /** Training and prediction window [z, y, x]; y and x divisible by 2^(depth-1). */
  window: [number, number, number]
  /** Squeeze-and-excitation reduction ratio. */
  seReduction: number
}

export function defaultConfig(task: Task, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return validateConfig({
    task,
    width: 16,
    depth: 3,
    isotropicFromLevel: 1,
    window: [8, 64, 64],
    seReduction: 4,
    ...overrides,
  })
}

export function validateConfig(c: ModelConfig): ModelConfig {
  const factor = 2 ** (c.depth - 1)
  if (!TASKS.includes(c.task))
    throw new InputError(`model task '${c.task}': expected one of ${TASKS.join(', ')}`)
  if (!Number.isInteger(c.width) || c.width < 2)
    throw new InputError(`model width ${c.width}: expected an integer >= 2`)
  if (!Number.isInteger(c.depth) || c.depth < 1 || c.depth > 5)
    throw new InputError(`model depth ${c.depth}: expected 1..5`)
  if (c.window[1] % factor !== 0 || c.window[2] % factor !== 0) {
    throw new InputError(
      `model window [${c.window}]: y and x must be divisible by ${factor} for depth ${c.depth}`,
    )
  }
  return c
}

export function channelsOf(c: ModelConfig): readonly string[] {
  return TASK_CHANNELS[c.task]
}

export function kernelAt(c: ModelConfig, level: number): [number, number, number] {
  return level >= c.isotropicFromLevel ? [3, 3, 3] : [1, 3, 3]
}
