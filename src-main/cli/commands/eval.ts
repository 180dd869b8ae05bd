import { InputError } from '../../engine/errors.ts'
import { evaluate, METRICS, type EvaluationResult, type Metric } from '../../engine/eval/index.ts'
import type { Sampling } from '../../engine/eval/index.ts'
import { options, parse, parseChoice, parseOptionalNumber, parsePositiveNumbers } from '../args.ts'
import { emit, shapeText } from '../output.ts'

export const usage =
  'activeem eval --pred PATH#DATASET --gt PATH#DATASET --metric cremi|voc|dice|f1 [--threshold T] [--iou T] [--voxel-size z,y,x] [--json]'

export async function evalCommand(argv: string[]): Promise<void> {
  const { values } = parse(
    'eval',
    argv,
    options(['pred', 'gt', 'metric', 'threshold', 'iou', 'voxel-size']),
    { min: 0, max: 0, usage },
  )
  for (const flag of ['pred', 'gt', 'metric'] as const) {
    if (values[flag] === undefined) throw new InputError(`eval: --${flag} is required; usage: ${usage}`)
  }
  const metric = parseChoice<Metric>('--metric', values.metric, METRICS, 'dice')
  const threshold = parseOptionalNumber('--threshold', values.threshold)
  const iouThreshold = parseOptionalNumber('--iou', values.iou)
  if (iouThreshold !== undefined && !(iouThreshold > 0 && iouThreshold <= 1)) {
    throw new InputError(`--iou: expected a number in (0, 1], got '${values.iou}'`)
  }
  const voxelSize = values['voxel-size']
  const result = await evaluate(values.pred!, values.gt!, metric, {
    ...(threshold !== undefined ? { threshold } : {}),
    ...(iouThreshold !== undefined ? { iouThreshold } : {}),
    ...(voxelSize !== undefined
      ? { samplingNm: parsePositiveNumbers('--voxel-size', voxelSize, 3) as Sampling }
      : {}),
  })
  emit(values.json, result, () => human(result))
}

const HEAD = new Set(['metric', 'pred', 'gt', 'shape', 'threshold', 'voxelSizeNm', 'note'])

function human(r: EvaluationResult): string {
  const fmt = (v: unknown): string =>
    typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(6))) : String(v)
  return [
    `${r.metric}: ${r.pred} vs ${r.gt} (${shapeText(r.shape)}${r.voxelSizeNm ? `, voxel ${r.voxelSizeNm.join(' x ')} nm` : ''}${r.threshold !== null ? `, threshold ${r.threshold}` : ''})`,
    ...Object.entries(r)
      .filter(([k]) => !HEAD.has(k))
      .map(([k, v]) => `  ${k} ${fmt(v)}`),
    ...(typeof r.note === 'string' ? [`  note: ${r.note}`] : []),
  ].join('\n')
}
