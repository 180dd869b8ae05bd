import { isInputError, messageOf } from '../engine/errors.ts'
import { deviceFailure } from '../engine/device-state.ts'
import { APP_VERSION } from '../engine/version.ts'
import { announceLaunch } from './launch-phase.ts'

interface Command {
  summary: string
  /** Loaded on demand: `serve` need not load HDF5, `info` need not load the web host. */
  load: () => Promise<(argv: string[]) => Promise<void> | void>
}

const COMMANDS: Record<string, Command> = {
  info: {
    summary: 'list the arrays of an HDF5 file or Zarr store, or one array (--stats)',
    load: async () => (await import('./commands/info.ts')).info,
  },
  read: {
    summary: 'read a region of a volume (printed, or to .npy)',
    load: async () => (await import('./commands/read.ts')).read,
  },
  synth: {
    summary: 'write the synthetic EM volume with ground truth (HDF5 + Zarr)',
    load: async () => (await import('./commands/synth.ts')).synth,
  },
  'synth-proposals': {
    summary: 'a synthetic proposal set at paper scale with its truth: correct and chosen kinds of wrong ROIs',
    load: async () => (await import('./commands/synth-proposals.ts')).synthProposals,
  },
  pyramid: {
    summary: 'OME-Zarr multiscale levels of a volume, for viewing at any zoom (resumable)',
    load: async () => (await import('./commands/pyramid.ts')).pyramid,
  },
  project: {
    summary: 'create a project, import volumes, show it',
    load: async () => (await import('./commands/project.ts')).project,
  },
  demo: {
    summary: 'run the main job on the embedded synthetic data',
    load: async () => (await import('./commands/demo.ts')).demo,
  },
  train: {
    summary: 'train the base model (3D residual-SE U-Net) on a labeled volume',
    load: async () => (await import('./commands/train.ts')).train,
  },
  finetune: {
    summary: 'fine-tune a model on the labelled ROIs mixed with its first labelled volume, as a new version',
    load: async () => (await import('./commands/finetune.ts')).finetune,
  },
  predict: {
    summary: 'sliding-window prediction into a Zarr probability map (resumable)',
    load: async () => (await import('./commands/predict.ts')).predict,
  },
  model: {
    summary: 'import a base model in the tfjs layers format (e.g. converted from PyTorch), list models',
    load: async () => (await import('./commands/model.ts')).model,
  },
  eval: {
    summary: 'score a prediction against ground truth (CREMI cleft distances, VOC, Dice, instance F1)',
    load: async () => (await import('./commands/eval.ts')).evalCommand,
  },
  components: {
    summary: '3D connected components of a thresholded volume, block by block: ROI table and label volume',
    load: async () => (await import('./commands/components.ts')).components,
  },
  proposals: {
    summary: 'ROI proposals from a probability map: components, polarity, aligned patches, the ROI table',
    load: async () => (await import('./commands/proposals.ts')).proposals,
  },
  embed: {
    summary: 'the two streams: mask and image VAEs on a proposal set, features of its ROIs',
    load: async () => (await import('./commands/embed.ts')).embed,
  },
  suggest: {
    summary: 'the next round of queries: two-stream clustering or a baseline strategy, stored in the project',
    load: async () => (await import('./commands/suggest.ts')).suggestCommand,
  },
  round: {
    summary:
      'rounds of active learning as resumable steps: predict, proposals, embed, suggest, annotate, tune, fine-tune',
    load: async () => (await import('./commands/round.ts')).roundCommand,
  },
  label: {
    summary: 'label one ROI correct, incorrect or unsure (or undo your last label), as the query grid does',
    load: async () => (await import('./commands/label.ts')).labelCommand,
  },
  labels: {
    summary: "every ROI's labels per annotator, the majority and agreement; --history for the audit trail",
    load: async () => (await import('./commands/label.ts')).labelsCommand,
  },
  export: {
    summary: 'export a proposal set: ROI table, labels with history, corrected label volume, crops, models',
    load: async () => (await import('./commands/export.ts')).exportCommand,
  },
  import: {
    summary: 'a new project from an export: the ROI table, rounds and every label row restored',
    load: async () => (await import('./commands/export.ts')).importCommand,
  },
  simulate: {
    summary: 'rounds of suggestion answered by a ground-truth oracle; --compare prints the strategies table',
    load: async () => (await import('./commands/simulate.ts')).simulateCommand,
  },
  cluster: {
    summary:
      'run predict, components, pyramid or proposals as N blocks on Slurm or local processes, then merge',
    load: async () => (await import('./commands/cluster.ts')).cluster,
  },
  doctor: {
    summary: 'check the tensor backends: which one runs here, and what the GPU backend (tfjs-node-gpu) needs',
    load: async () => (await import('./commands/doctor.ts')).doctor,
  },
  bench: {
    summary:
      'benchmarks against the reference peers (numpy, h5py, zarr, scipy, scikit-learn, PyTorch), JSON lines',
    load: async () => (await import('./bench/bench.ts')).bench,
  },
  serve: {
    summary: 'serve the workstation UI to a browser on 127.0.0.1',
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
    "'activeem COMMAND --help' prints its usage and every flag it takes.",
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
  // --help is answered by the command's parser and does no work: it is no launch to announce.
  if (!rest.includes('--help') && !rest.includes('-h')) await announceLaunch(name, rest)
  const run = await command.load()
  await run(rest)
}

process.on('unhandledRejection', fail)
main(process.argv.slice(2)).catch(fail)
