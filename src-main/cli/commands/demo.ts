import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { InputError } from '../../engine/errors.ts'
import { Project } from '../../engine/store/index.ts'
import { computeStats, openVolume } from '../../engine/volume/index.ts'
import { parse, parseInteger, parseIntList } from '../args.ts'
import { emit, shapeText } from '../output.ts'
import { DEFAULT_SYNTH_SHAPE, runSynth } from './synth.ts'

export const usage = 'activeem demo [--out DIR] [--shape z,y,x] [--seed N] [--json]'

/** Marks a folder as the demo's own, so a rerun may replace it and never touches anything else. */
const MARKER = '.activeem-demo'

function prepareOut(out: string): void {
  if (!existsSync(out)) return
  if (existsSync(join(out, MARKER))) return rmSync(out, { recursive: true, force: true })
  if (readdirSync(out).length > 0)
    throw new InputError(`--out: ${out} exists and is not an earlier demo folder; choose another`)
}

/** The main job on the embedded default data; each pipeline stage extends it as it lands. */
export async function demo(argv: string[]): Promise<void> {
  const { values } = parse(
    'demo',
    argv,
    { out: { type: 'string' }, shape: { type: 'string' }, seed: { type: 'string' } },
    { min: 0, max: 0, usage },
  )
  const out = resolve(values.out ?? 'activeem-demo')
  const shape = values.shape
    ? (parseIntList('--shape', values.shape, 3, 8) as [number, number, number])
    : DEFAULT_SYNTH_SHAPE
  const seed = parseInteger('--seed', values.seed, 1, 0, 2 ** 32 - 1)
  prepareOut(out)
  const log = (line: string): void => {
    if (!values.json) process.stdout.write(`${line}\n`)
  }

  log(`1/4 synthetic volume ${shapeText(shape)}, seed ${seed}`)
  const data = await runSynth(join(out, 'data'), shape, seed)
  writeFileSync(join(out, MARKER), 'made by activeem demo; a rerun replaces this folder\n')

  log('2/4 project')
  const project = Project.init(join(out, 'project'), 'ActiveEM demo')
  try {
    log('3/4 import raw and labels')
    const imports: Array<[string, 'raw' | 'labels', string]> = [
      [`${data.hdf5}#raw`, 'raw', 'raw'],
      [`${data.hdf5}#labels/clefts`, 'labels', 'clefts'],
      [`${data.zarr}#labels/mito`, 'labels', 'mito'],
    ]
    for (const [spec, role, name] of imports) {
      const volume = await openVolume(spec)
      try {
        project.addVolume(volume, { role, name })
      } finally {
        volume.close()
      }
    }

    log('4/4 info')
    const raw = await openVolume(`${data.hdf5}#raw`)
    const stats = await computeStats(raw).finally(() => raw.close())
    const summary = project.summary()
    emit(values.json, { out, data, project: summary, stats: { raw: stats } }, () =>
      [
        `project ${summary.dir}: ${summary.volumes.length} volumes`,
        ...summary.volumes.map((v) => `  ${v.name}  ${v.role}  ${shapeText(v.shape)} ${v.dtype}`),
        `raw intensity min ${stats.min} max ${stats.max} mean ${stats.mean.toFixed(2)}`,
        `${data.counts.synapses} synapses, ${data.counts.mitochondria} mitochondria in the ground truth`,
        `browse it: npx activeem serve --project ${summary.dir}`,
      ].join('\n'),
    )
  } finally {
    project.close()
  }
}
