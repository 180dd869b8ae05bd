import { existsSync, renameSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import {
  checkParts,
  labelPart,
  labelVolume,
  mergeParts,
  partsKey,
  removeParts,
  type BlockwiseOptions,
  type BlockwiseResult,
  type Connectivity,
  type Morphology,
} from '../../engine/components/index.ts'
import { InputError } from '../../engine/errors.ts'
import { loadH5wasm, openVolume, ZarrV3Writer, type Region, type Shape3 } from '../../engine/volume/index.ts'
import { options, parse, parseChoice, parseIntList, parseInteger, parseOptionalNumber } from '../args.ts'
import { blockMode } from '../block-flags.ts'
import { emit, progressReporter } from '../output.ts'
import { writeRoisCsv } from '../../engine/components/index.ts'

export const usage =
  'activeem components PATH#DS [--threshold T] [--connectivity 6|18|26] [--min-size N] [--max-size N] [--dilate z,y,x | --close z,y,x] [--block-shape z,y,x] [--out rois.csv] [--labels-out PATH#DS] [--block i/n | --merge] [--work DIR] [--json] (--block i/n labels part i of n into DIR, by default OUT.blocks beside --out, else beside the --labels-out store; then one --merge with the same arguments writes the results)'

export async function components(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    'components',
    argv,
    options(
      [
        'threshold',
        'connectivity',
        'min-size',
        'max-size',
        'dilate',
        'close',
        'block-shape',
        'block',
        'work',
        'out',
        'labels-out',
      ],
      ['merge'],
    ),
    { min: 1, max: 1, usage },
  )
  const connectivity = Number(
    parseChoice('--connectivity', values.connectivity, ['6', '18', '26'], '26'),
  ) as Connectivity
  const threshold = parseOptionalNumber('--threshold', values.threshold)
  const minSize = parseInteger('--min-size', values['min-size'], 0)
  const maxSize = parseInteger('--max-size', values['max-size'], Number.MAX_SAFE_INTEGER, 1)
  if (maxSize < minSize) throw new InputError(`--max-size ${maxSize} is below --min-size ${minSize}`)
  if (values.dilate !== undefined && values.close !== undefined)
    throw new InputError('--dilate and --close: give one of them')
  let morphology: Morphology | undefined
  if (values.dilate !== undefined)
    morphology = { op: 'dilate', radius: parseIntList('--dilate', values.dilate, 3, 0) as Shape3 }
  if (values.close !== undefined)
    morphology = { op: 'close', radius: parseIntList('--close', values.close, 3, 0) as Shape3 }
  if (values.block !== undefined && /^\s*\d+\s*,/.test(values.block))
    throw new InputError(
      `--block ${values.block}: --block now names a part i/n of a block run; give the block shape as --block-shape ${values.block}`,
    )
  const mode = blockMode('components', values)
  const block =
    values['block-shape'] === undefined
      ? undefined
      : (parseIntList('--block-shape', values['block-shape'], 3, 1) as Shape3)
  const csv = values.out === undefined ? undefined : resolve(values.out)
  if (csv && !existsSync(dirname(csv)))
    throw new InputError(`--out ${values.out}: folder ${dirname(csv)} does not exist`)
  if (csv && existsSync(csv))
    throw new InputError(`--out ${values.out}: already exists; remove it or choose another file`)
  const labelsTarget = values['labels-out'] === undefined ? undefined : checkLabelsOut(values['labels-out'])
  if (mode.kind === 'whole' && values.work !== undefined)
    throw new InputError('--work: names the folder of a block run; give it with --block i/n or --merge')
  const work = mode.kind === 'whole' ? undefined : workFolder(values.work, csv, labelsTarget)

  // Timed from the open on, like the peer (h5py opens, reads, thresholds, labels; its imports untimed).
  if (/\.(h5|hdf5|hdf)(#|$)/i.test(positionals[0]!)) await loadH5wasm()
  const started = performance.now()
  const volume = await openVolume(positionals[0]!)
  try {
    const options: BlockwiseOptions = {
      connectivity,
      ...(threshold !== undefined ? { threshold } : {}),
      minSize,
      maxSize,
      ...(morphology ? { morphology } : {}),
      ...(block ? { block } : {}),
    }
    // The min/max sizes and the outputs are the merge's alone: they are not part of what blocks share.
    const files = work
      ? {
          work,
          command: 'components',
          key: partsKey('components', absoluteSpec(positionals[0]!), volume, options),
        }
      : undefined
    if (mode.kind === 'block') {
      const report = progressReporter('components')
      const r = await labelPart(
        volume,
        {
          ...options,
          ...(report ? { onProgress: (done: number, total: number) => report(done / total) } : {}),
        },
        mode.part,
        files!,
      )
      const seconds = (performance.now() - started) / 1000
      const summary = {
        input: volume.spec,
        part: `${r.part.index}/${r.part.count}`,
        work,
        blocks: r.units,
        of: r.of,
        provisional: r.provisional,
        bytes: r.bytes,
        skipped: r.skipped,
        seconds,
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      }
      emit(values.json, summary, () =>
        r.skipped
          ? `block ${summary.part}: already done in ${work}`
          : `block ${summary.part}: ${r.units} of ${r.of} blocks, ${r.provisional} provisional components in ${seconds.toFixed(2)} s (${work})`,
      )
      return
    }
    // A merge checks every block before it makes any output, so a failed merge leaves everything as it was.
    if (mode.kind === 'merge') checkParts(volume, options, files!)
    const labelsOut = labelsTarget ? await labelWriter(labelsTarget, volume.shape, volume.chunks) : undefined
    const report = progressReporter('components')
    let result: BlockwiseResult & { parts?: number }
    try {
      const run = {
        ...options,
        ...(labelsOut ? { labelsOut: labelsOut.write } : {}),
        ...(report
          ? {
              onProgress: (done: number, total: number, pass: 1 | 2) =>
                report((done / total + (pass - 1)) / (labelsOut ? 2 : 1)),
            }
          : {}),
      }
      result = mode.kind === 'merge' ? await mergeParts(volume, run, files!) : await labelVolume(volume, run)
      await labelsOut?.commit()
    } catch (e) {
      labelsOut?.abandon()
      throw e
    }
    const seconds = (performance.now() - started) / 1000
    if (csv) writeRoisCsv(csv, result.components)
    if (mode.kind === 'merge') removeParts(files!)
    const summary = {
      input: volume.spec,
      shape: volume.shape,
      count: result.count,
      voxels: result.voxels,
      seconds,
      threshold: result.threshold,
      connectivity: result.connectivity,
      block: result.block,
      blocks: result.blocks,
      ...(result.parts !== undefined ? { parts: result.parts } : {}),
      ...(morphology ? { morphology } : {}),
      ...(csv ? { rois: csv } : {}),
      ...(labelsOut ? { labels: labelsOut.spec } : {}),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }
    emit(values.json, summary, () =>
      [
        `${result.count} components, ${result.voxels} voxels (${volume.spec} > ${result.threshold}, ${connectivity}-connected) in ${seconds.toFixed(2)} s`,
        ...(csv ? [`ROI table: ${csv}`] : []),
        ...(labelsOut ? [`labels: ${labelsOut.spec}`] : []),
      ].join('\n'),
    )
  } finally {
    volume.close()
  }
}

/** The input with its file made absolute: blocks started in other folders still agree on the run. */
function absoluteSpec(spec: string): string {
  if (existsSync(spec)) return resolve(spec)
  const cut = spec.indexOf('#')
  return cut < 0 ? resolve(spec) : resolve(spec.slice(0, cut)) + spec.slice(cut)
}

/**
 * The folder of a block run: --work, else derived from the outputs every block is given (the same
 * arguments give the same folder on every node of a shared filesystem).
 */
function workFolder(
  work: string | undefined,
  csv: string | undefined,
  labels: LabelsTarget | undefined,
): string {
  if (work !== undefined) return resolve(work)
  if (csv) return `${csv}.blocks`
  if (labels) return `${labels.root}.${labels.dataset.replace(/\//g, '.')}.blocks`
  throw new InputError(
    'components: --block and --merge need a folder for the blocks: give --work DIR, or --out / --labels-out',
  )
}

interface LabelsTarget {
  text: string
  root: string
  dataset: string
}

function checkLabelsOut(text: string): LabelsTarget {
  const cut = text.lastIndexOf('#')
  const path = cut > 0 ? text.slice(0, cut) : text
  const dataset = cut > 0 ? text.slice(cut + 1).replace(/^\/+|\/+$/g, '') : ''
  if (!dataset)
    throw new InputError(`--labels-out ${text}: expected PATH#DATASET (a Zarr folder and an array name)`)
  const root = resolve(path)
  if (existsSync(join(root, dataset)))
    throw new InputError(`--labels-out ${text}: ${join(root, dataset)} already exists`)
  if (existsSync(root) && !existsSync(join(root, 'zarr.json')))
    throw new InputError(`--labels-out ${text}: ${root} exists and is not a Zarr v3 store`)
  return { text, root, dataset }
}

interface LabelWriter {
  spec: string
  write: (r: Region, labels: Uint32Array) => Promise<void>
  commit: () => Promise<void>
  abandon: () => void
}

/**
 * A uint32 Zarr v3 array for the labels, written beside its final place and moved there only when
 * complete: an interrupted run leaves nothing that looks like a finished label volume.
 */
async function labelWriter(
  { root, dataset }: LabelsTarget,
  shape: Shape3,
  chunks: Shape3,
): Promise<LabelWriter> {
  const createdRoot = !existsSync(root)
  const staging = `${dataset.replace(/\/+$/, '')}.partial-${process.pid}`
  const writer = new ZarrV3Writer(root)
  if (!existsSync(join(root, 'zarr.json'))) await writer.group('')
  const arr = await writer.array(staging, {
    shape,
    chunks,
    dtype: 'uint32',
    attributes: { source: 'activeem components' },
  })
  return {
    spec: `${root}#${dataset}`,
    write: (r, labels) => arr.writeRegion(r, labels),
    commit: async () => renameSync(join(root, staging), join(root, dataset)),
    abandon: () => rmSync(createdRoot ? root : join(root, staging), { recursive: true, force: true }),
  }
}
