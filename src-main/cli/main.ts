import { isInputError, messageOf } from '../engine/errors.ts'
import { deviceFailure } from '../engine/device-state.ts'
import { APP_VERSION } from '../engine/version.ts'
import { announceLaunch } from './launch-phase.ts'

interface Command {
  summary: string
  usage: string
  /** Loaded on demand: `serve` need not load HDF5, `info` need not load the web host. */
  load: () => Promise<(argv: string[]) => Promise<void> | void>
}

const COMMANDS: Record<string, Command> = {
  info: {
    summary: 'list the arrays of an HDF5 file or Zarr store, or one array (--stats)',
    usage: 'activeem info PATH[#DATASET] [--stats] [--json]',
    load: async () => (await import('./commands/info.ts')).info,
  },
  read: {
    summary: 'read a region of a volume (printed, or to .npy)',
    usage: 'activeem read PATH#DATASET --region z0:z1,y0:y1,x0:x1 [--out FILE.npy] [--json]',
    load: async () => (await import('./commands/read.ts')).read,
  },
  synth: {
    summary: 'write the synthetic EM volume with ground truth (HDF5 + Zarr)',
    usage: 'activeem synth --out DIR [--shape z,y,x] [--seed N] [--json]',
    load: async () => (await import('./commands/synth.ts')).synth,
  },
  pyramid: {
    summary: 'OME-Zarr multiscale levels of a volume, for viewing at any zoom (resumable)',
    usage:
      'activeem pyramid (PATH#DS --out OUT.zarr | --project DIR VOLUME) [--kind image|labels] [--rule mode|keep-small] [--voxel z,y,x]',
    load: async () => (await import('./commands/pyramid.ts')).pyramid,
  },
  project: {
    summary: 'create a project, import volumes, show it',
    usage: 'activeem project init|show|import DIR ... [--json]',
    load: async () => (await import('./commands/project.ts')).project,
  },
  demo: {
    summary: 'run the main job on the embedded synthetic data',
    usage: 'activeem demo [--out DIR] [--shape z,y,x] [--seed N] [--json]',
    load: async () => (await import('./commands/demo.ts')).demo,
  },
  train: {
    summary: 'train the base model (3D residual-SE U-Net) on a labeled volume',
    usage:
      'activeem train --project DIR --task synapse|mito --raw PATH#DS --labels PATH#DS (--iterations N | --minutes M)',
    load: async () => (await import('./commands/train.ts')).train,
  },
  finetune: {
    summary: 'fine-tune a model on the labelled ROIs mixed with its first labelled volume, as a new version',
    usage:
      'activeem finetune --project DIR [--model NAME] [--set N] [--iterations 100] [--ratio 0.25] [--propagated] [--json]',
    load: async () => (await import('./commands/finetune.ts')).finetune,
  },
  predict: {
    summary: 'sliding-window prediction into a Zarr probability map (resumable)',
    usage: 'activeem predict --project DIR --raw PATH#DS [--model NAME]',
    load: async () => (await import('./commands/predict.ts')).predict,
  },
  model: {
    summary: 'import a base model in the tfjs layers format (e.g. converted from PyTorch), list models',
    usage: 'activeem model import|list --project DIR ...',
    load: async () => (await import('./commands/model.ts')).model,
  },
  eval: {
    summary: 'score a prediction against ground truth (CREMI cleft distances, VOC, Dice, instance F1)',
    usage:
      'activeem eval --pred PATH#DATASET --gt PATH#DATASET --metric cremi|voc|dice|f1 [--threshold T] [--iou T] [--voxel-size z,y,x] [--json]',
    load: async () => (await import('./commands/eval.ts')).evalCommand,
  },
  components: {
    summary: '3D connected components of a thresholded volume, block by block: ROI table and label volume',
    usage:
      'activeem components PATH#DS [--threshold T] [--connectivity 6|18|26] [--min-size N] [--max-size N] [--dilate z,y,x | --close z,y,x] [--out rois.csv] [--labels-out PATH#DS] [--json]',
    load: async () => (await import('./commands/components.ts')).components,
  },
  proposals: {
    summary: 'ROI proposals from a probability map: components, polarity, aligned patches, the ROI table',
    usage:
      'activeem proposals --project DIR --task synapse|mito [--map NAME] [--threshold T] [--min-size N] [--variant paper|code] [--patch N] [--csv FILE] [--json]',
    load: async () => (await import('./commands/proposals.ts')).proposals,
  },
  embed: {
    summary: 'the two streams: mask and image VAEs on a proposal set, features of its ROIs',
    usage:
      'activeem embed --project DIR [--set N] [--epochs 20] [--mask-latent 20] [--image-latent 64] [--json]',
    load: async () => (await import('./commands/embed.ts')).embed,
  },
  suggest: {
    summary: 'the next round of queries: two-stream clustering or a baseline strategy, stored in the project',
    usage: 'activeem suggest --project DIR --strategy NAME [--N 64 --M 4 --Q 1] [--budget K] [--json]',
    load: async () => (await import('./commands/suggest.ts')).suggestCommand,
  },
  round: {
    summary:
      'rounds of active learning as resumable steps: predict, proposals, embed, suggest, annotate, tune, fine-tune',
    usage:
      'activeem round --project DIR [--init --task synapse|mito --raw PATH#DS [--oracle GT#DS] ...] [--step NAME | --until NAME | --status] [--json]',
    load: async () => (await import('./commands/round.ts')).roundCommand,
  },
  label: {
    summary: 'label one ROI correct, incorrect or unsure (or undo your last label), as the query grid does',
    usage:
      'activeem label --project DIR (--roi ID --value correct|incorrect|unsure [--request-id ID] | --undo) [--annotator NAME] [--json]',
    load: async () => (await import('./commands/label.ts')).labelCommand,
  },
  labels: {
    summary: "every ROI's labels per annotator, the majority and agreement; --history for the audit trail",
    usage: 'activeem labels --project DIR [--set N] [--history] [--json]',
    load: async () => (await import('./commands/label.ts')).labelsCommand,
  },
  export: {
    summary: 'export a proposal set: ROI table, labels with history, corrected label volume, crops, models',
    usage: 'activeem export --project DIR --out PATH [--format hdf5|zarr] [--set N] [--force] [--json]',
    load: async () => (await import('./commands/export.ts')).exportCommand,
  },
  import: {
    summary: 'a new project from an export: the ROI table, rounds and every label row restored',
    usage: 'activeem import --export DIR --project NEWDIR [--json]',
    load: async () => (await import('./commands/export.ts')).importCommand,
  },
  simulate: {
    summary: 'rounds of suggestion answered by a ground-truth oracle; --compare prints the strategies table',
    usage: 'activeem simulate --project DIR --gt PATH#DS (--strategy NAME | --compare) [--rounds R] [--json]',
    load: async () => (await import('./commands/simulate.ts')).simulateCommand,
  },
  cluster: {
    summary:
      'run predict, components, pyramid or proposals as N blocks on Slurm or local processes, then merge',
    usage: 'activeem cluster run --scheduler slurm|local|kubernetes --jobs N [--dry-run] -- COMMAND ...',
    load: async () => (await import('./commands/cluster.ts')).cluster,
  },
  doctor: {
    summary: 'check the tensor backends: which one runs here, and what the GPU backend (tfjs-node-gpu) needs',
    usage: 'activeem doctor [--json]',
    load: async () => (await import('./commands/doctor.ts')).doctor,
  },
  bench: {
    summary:
      'benchmarks against the reference peers (numpy, h5py, zarr, scipy, scikit-learn, PyTorch), JSON lines',
    usage:
      'activeem bench [--only unet|vae|stats|components|kmeans|labels|grid|viewer|pipeline|webgpu|predict] [--backend NAME] [--peer-device cpu|cuda]',
    load: async () => (await import('./bench/bench.ts')).bench,
  },
  serve: {
    summary: 'serve the workstation UI to a browser on 127.0.0.1',
    usage: 'activeem serve [--project DIR] [--port N] [--max-jobs N] [--max-in-flight N] [--json]',
    load: async () => (await import('./commands/serve.ts')).serve,
  },
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length))
  return [
    `activeem ${APP_VERSION}: active proofreading of synapse and mitochondria detections in 3D EM`,
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'usage:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage}`),
    '',
    'Every command takes --json (one JSON object on stdout). Bad input exits with code 2.',
  ].join('\n')
}

/** Exit 2 and one line for the user's mistakes; exit 1 for our own, still without a stack trace. */
function fail(error: unknown): never {
  // Whatever a failing GPU made throw next (a rejected readback, say), the device's own failure is the cause.
  const e = deviceFailure() ?? error
  const line = messageOf(e).split('\n')[0]
  if (isInputError(e)) {
    process.stderr.write(`error: ${line}\n`)
    process.exit(2)
  }
  process.stderr.write(`error: internal error: ${line} (set ACTIVEEM_DEBUG=1 for details)\n`)
  if (process.env.ACTIVEEM_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? e}\n`)
  process.exit(1)
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${help()}\n`)
    return
  }
  if (name === '--version') {
    process.stdout.write(`${APP_VERSION}\n`)
    return
  }
  const command = COMMANDS[name]
  if (!command) {
    process.stderr.write(
      `error: unknown command '${name}', expected one of ${Object.keys(COMMANDS).join(', ')}\n`,
    )
    process.exit(2)
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: ${command.usage}\n`)
    return
  }
  await announceLaunch(name, rest)
  const run = await command.load()
  await run(rest)
}

process.on('unhandledRejection', fail)
main(process.argv.slice(2)).catch(fail)
