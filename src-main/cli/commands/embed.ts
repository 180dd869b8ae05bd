import { InputError } from '../../engine/errors.ts'
import { embedSet } from '../../engine/embed/index.ts'
import { CancelledError } from '../../engine/jobs/index.ts'
import { Project } from '../../engine/store/index.ts'
import { initTensorEngine } from '../../engine/tensor/index.ts'
import { options, parse, parseChoice, parseInteger } from '../args.ts'
import { cancelOnSignals, progressPrinter } from '../jobs.ts'
import { emit } from '../output.ts'

export const usage =
  'activeem embed --project DIR [--set N] [--epochs 20] [--mask-latent 20] [--image-latent 64] [--image-samples N] [--kl-weight W] [--loss l1|mse] [--seed S] [--json]'

export async function embed(argv: string[]): Promise<void> {
  const { values } = parse(
    'embed',
    argv,
    options([
      'project',
      'set',
      'epochs',
      'mask-latent',
      'image-latent',
      'image-samples',
      'kl-weight',
      'loss',
      'seed',
    ]),
    { min: 0, max: 0, usage },
  )
  if (!values.project) throw new InputError(`embed: --project is required; usage: ${usage}`)
  const opt = (flag: string, text: string | undefined, min: number, max: number): number | undefined =>
    text === undefined ? undefined : parseInteger(flag, text, min, min, max)
  let klWeight: number | undefined
  if (values['kl-weight'] !== undefined) {
    klWeight = Number(values['kl-weight'])
    if (!(klWeight >= 0))
      throw new InputError(`--kl-weight: expected a number >= 0, got '${values['kl-weight']}'`)
  }
  const loss =
    values.loss === undefined ? undefined : parseChoice('--loss', values.loss, ['l1', 'mse'] as const, 'l1')
  const set = opt('--set', values.set, 1, Number.MAX_SAFE_INTEGER)
  const epochs = opt('--epochs', values.epochs, 1, 100000)
  const maskLatent = opt('--mask-latent', values['mask-latent'], 2, 4096)
  const imageLatent = opt('--image-latent', values['image-latent'], 2, 4096)
  const imageSamples = opt('--image-samples', values['image-samples'], 0, 10_000_000)
  const seed = opt('--seed', values.seed, 0, 2 ** 31)
  const project = Project.open(values.project)
  try {
    const engine = await initTensorEngine({ backend: 'auto' })
    const result = await embedSet({
      project,
      ...(set !== undefined ? { set } : {}),
      ...(epochs !== undefined ? { epochs } : {}),
      ...(maskLatent !== undefined ? { maskLatent } : {}),
      ...(imageLatent !== undefined ? { imageLatent } : {}),
      ...(imageSamples !== undefined ? { imageSamples } : {}),
      ...(klWeight !== undefined ? { klWeight } : {}),
      ...(loss ? { loss } : {}),
      ...(seed !== undefined ? { seed } : {}),
      signal: cancelOnSignals(),
      onProgress: progressPrinter('embed'),
    }).catch((e: unknown) => {
      if (e instanceof CancelledError) {
        process.stderr.write('cancelled; finished epochs are kept: run the same command to resume\n')
        process.exit(130)
      }
      throw e
    })
    emit(values.json, { backend: engine.backend, ...result }, () =>
      [
        `features of ${result.rois} ROIs of set ${result.set}: ${result.features}`,
        `  mask VAE (latent ${result.mask.latent}): loss ${result.mask.finalLoss.toFixed(4)}, ${result.mask.samplesPerSecond.toFixed(0)} samples/s`,
        `  image VAE (latent ${result.image.latent}, ${result.image.patches} patches): loss ${result.image.finalLoss.toFixed(4)}, ${result.image.samplesPerSecond.toFixed(0)} samples/s`,
      ].join('\n'),
    )
  } finally {
    project.close()
  }
}
