import { computeStats, listArrays, openVolume, parseSpec } from '../../engine/volume/index.ts'
import { options, parse } from '../args.ts'
import { emit, progressReporter, shapeText } from '../output.ts'

export const usage = 'activeem info PATH[#DATASET] [--stats] [--json]'

export async function info(argv: string[]): Promise<void> {
  const { values, positionals } = parse('info', argv, options([], ['stats']), { min: 1, max: 1, usage })
  const spec = positionals[0]!
  const { path, dataset } = parseSpec(spec)
  if (dataset === null && !values.stats) {
    const listing = await listArrays(path)
    emit(values.json, { format: listing.format, datasets: listing.arrays }, () =>
      [
        `${path} (${listing.format}), ${listing.arrays.length} array(s)`,
        ...listing.arrays.map(
          (a) =>
            `  ${a.name || '(root)'}  ${shapeText(a.shape)}  ${a.dtype}  chunks ${a.chunks ? shapeText(a.chunks) : 'contiguous'}`,
        ),
      ].join('\n'),
    )
    return
  }
  const volume = await openVolume(spec)
  try {
    const listing = await listArrays(volume.path)
    const record = listing.arrays.find((a) => a.name === volume.dataset)!
    const stats = values.stats ? await computeStats(volume, progressReporter('stats')) : undefined
    emit(
      values.json,
      { format: volume.format, ...record, shape: volume.shape, ...(stats ? { stats } : {}) },
      () =>
        [
          `${volume.spec} (${volume.format})`,
          `  shape ${shapeText(volume.shape)}  dtype ${volume.dtype}  chunks ${record.chunks ? shapeText(record.chunks) : 'contiguous'}`,
          ...(stats ? [`  min ${stats.min}  max ${stats.max}  mean ${stats.mean}`] : []),
        ].join('\n'),
    )
  } finally {
    volume.close()
  }
}
