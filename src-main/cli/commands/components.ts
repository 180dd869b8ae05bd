import { existsSync, renameSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import {
  labelVolume,
  type BlockwiseResult,
  type Connectivity,
  type Morphology,
} from '../../engine/components/index.ts'
import { InputError } from '../../engine/errors.ts'
import { loadH5wasm, openVolume, ZarrV3Writer, type Region, type Shape3 } from '../../engine/volume/index.ts'
import { options, parse, parseChoice, parseIntList, parseInteger, parseOptionalNumber } from '../args.ts'
import { emit, progressReporter } from '../output.ts'
import { writeRoisCsv } from '../../engine/components/index.ts'

export const usage =
  'activeem components PATH#DS [--threshold T] [--connectivity 6|18|26] [--min-size N] [--max-size N] [--dilate z,y,x | --close z,y,x] [--block z,y,x] [--out rois.csv] [--labels-out PATH#DS] [--json]'

export async function components(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    'components',
    argv,
    options([
      'threshold',
      'connectivity',
      'min-size',
      'max-size',
      'dilate',
      'close',
      'block',
      'out',
      'labels-out',
    ]),
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
  const block =
    values.block === undefined ? undefined : (parseIntList('--block', values.block, 3, 1) as Shape3)
  const csv = values.out === undefined ? undefined : resolve(values.out)
  if (csv && !existsSync(dirname(csv)))
    throw new InputError(`--out ${values.out}: folder ${dirname(csv)} does not exist`)
  if (csv && existsSync(csv))
    throw new InputError(`--out ${values.out}: already exists; remove it or choose another file`)

  // Timed from the open on, like the peer (h5py opens, reads, thresholds, labels; its imports untimed).
  if (/\.(h5|hdf5|hdf)(#|$)/i.test(positionals[0]!)) await loadH5wasm()
  const started = performance.now()
  const volume = await openVolume(positionals[0]!)
  try {
    const labelsOut =
      values['labels-out'] === undefined
        ? undefined
        : await labelWriter(values['labels-out'], volume.shape, volume.chunks)
    const report = progressReporter('components')
    let result: BlockwiseResult
    try {
      result = await labelVolume(volume, {
        connectivity,
        ...(threshold !== undefined ? { threshold } : {}),
        minSize,
        maxSize,
        ...(morphology ? { morphology } : {}),
        ...(block ? { block } : {}),
        ...(labelsOut ? { labelsOut: labelsOut.write } : {}),
        ...(report
          ? { onProgress: (done, total, pass) => report((done / total + (pass - 1)) / (labelsOut ? 2 : 1)) }
          : {}),
      })
      await labelsOut?.commit()
    } catch (e) {
      labelsOut?.abandon()
      throw e
    }
    const seconds = (performance.now() - started) / 1000
    if (csv) writeRoisCsv(csv, result.components)
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
async function labelWriter(text: string, shape: Shape3, chunks: Shape3): Promise<LabelWriter> {
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
