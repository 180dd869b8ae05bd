import { generateSynthetic, writeSynthetic } from '../../engine/synth/index.ts'
import { InputError } from '../../engine/errors.ts'
import { options, parse, parseIntList, parseInteger } from '../args.ts'
import { emit, shapeText } from '../output.ts'

export const usage = 'activeem synth --out DIR [--shape z,y,x] [--seed N] [--json]'
export const DEFAULT_SYNTH_SHAPE: [number, number, number] = [64, 256, 256]

export async function synth(argv: string[]): Promise<void> {
  const { values } = parse('synth', argv, options(['out', 'shape', 'seed']), { min: 0, max: 0, usage })
  if (!values.out) throw new InputError(`synth: --out DIR is required; usage: ${usage}`)
  const shape = values.shape
    ? (parseIntList('--shape', values.shape, 3, 8) as [number, number, number])
    : DEFAULT_SYNTH_SHAPE
  if (shape[0] * shape[1] * shape[2] > 2 ** 30)
    throw new InputError(`--shape: at most 2^30 voxels, got ${shapeText(shape)}`)
  const seed = parseInteger('--seed', values.seed, 1, 0, 2 ** 32 - 1)
  const result = await runSynth(values.out, shape, seed)
  emit(values.json, result, () =>
    [
      `wrote ${result.hdf5}`,
      `      ${result.zarr}`,
      `      ${result.manifest}`,
      `  ${shapeText(shape)} voxels, ${result.counts.synapses} synapses, ${result.counts.mitochondria} mitochondria, ${result.counts.distractors} distractors`,
    ].join('\n'),
  )
}

export async function runSynth(out: string, shape: [number, number, number], seed: number) {
  const volume = generateSynthetic({ shape, seed })
  const files = await writeSynthetic(volume, out, { seed })
  return { ...files, shape, seed, resolutionNm: volume.resolutionNm, counts: volume.counts }
}
