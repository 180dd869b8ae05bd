import type { JobKind, PipelineFields, PipelineRunStep } from '../../src-shared/contract.ts'
import { InputError } from '../engine/errors.ts'

/** A job step of the pipeline: the command it runs is the job kind of the same name. */
export type PipelineJobStep = Exclude<PipelineRunStep, 'export' | 'import'> & JobKind

function need<K extends keyof PipelineFields>(
  step: PipelineRunStep,
  fields: PipelineFields,
  key: K,
): NonNullable<PipelineFields[K]> {
  const value = fields[key]
  if (value === undefined || value === null)
    throw new InputError(`pipeline.run ${step}: the field '${key}' is required`)
  return value as NonNullable<PipelineFields[K]>
}

/** `PATH#DS[z0:z1,y0:y1,x0:x1]`: the box the predict card's fields give, on a volume that has none yet. */
export function boxedSpec(source: string, box: NonNullable<PipelineFields['box']>): string {
  if (/\]\s*$/.test(source))
    throw new InputError(`pipeline.run predict: '${source}' already names a box; pick the whole volume`)
  const [z0, z1, y0, y1, x0, x1] = box
  if (z1 <= z0 || y1 <= y0 || x1 <= x0)
    throw new InputError(
      `pipeline.run predict: the box ${JSON.stringify(box)} is empty (each end after its start)`,
    )
  return `${source}[${z0}:${z1},${y0}:${y1},${x0}:${x1}]`
}

/**
 * The command's flags for a card's typed fields, as its `--help` lists them (without --project and
 * --json, which the launcher adds). Fields the step does not use are ignored.
 */
export function pipelineArgs(step: PipelineJobStep, f: PipelineFields): string[] {
  const opt = (flag: string, value: string | number | null | undefined): string[] =>
    value === undefined || value === null || value === '' ? [] : [flag, String(value)]
  switch (step) {
    case 'train':
      return [
        ...['--task', need(step, f, 'task')],
        ...['--raw', need(step, f, 'raw')],
        ...['--labels', need(step, f, 'labels')],
        ...['--iterations', String(need(step, f, 'iterations'))],
        ...opt('--name', f.name),
      ]
    case 'predict': {
      const raw = need(step, f, 'raw')
      return ['--raw', f.box ? boxedSpec(raw, f.box) : raw, ...opt('--model', f.model)]
    }
    case 'proposals':
      // The map records the raw volume and box it was predicted from; proposals reads them from there.
      return [
        ...['--task', need(step, f, 'task')],
        ...opt('--map', f.map),
        ...opt('--threshold', f.threshold),
        ...opt('--min-size', f.minSize),
      ]
    case 'embed':
      return ['--epochs', String(need(step, f, 'epochs'))]
    case 'suggest':
      return [
        ...['--strategy', need(step, f, 'strategy')],
        ...opt('--N', f.N),
        ...opt('--M', f.M),
        ...opt('--Q', f.Q),
        // Asked first in the app: the unfinished round was seen and left knowingly.
        ...(f.force ? ['--force'] : []),
      ]
    case 'finetune':
      return [
        ...opt('--model', f.model),
        ...['--iterations', String(need(step, f, 'iterations'))],
        ...opt('--ratio', f.ratio),
      ]
  }
}

/** `activeem model import`'s flags (after `--project DIR`) for the train card's import form. */
export function importArgs(f: PipelineFields): string[] {
  if ((f.mean === undefined) !== (f.std === undefined))
    throw new InputError('pipeline.run import: give the mean and the std together, or neither')
  return [
    ...['--from', need('import', f, 'from')],
    ...['--name', need('import', f, 'name')],
    ...(f.task ? ['--task', f.task] : []),
    ...(f.mean !== undefined ? ['--mean', String(f.mean)] : []),
    ...(f.std !== undefined ? ['--std', String(f.std)] : []),
  ]
}
