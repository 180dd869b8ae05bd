import { InputError } from '../../engine/errors.ts'
import { CancelledError } from '../../engine/jobs/index.ts'
import {
  buildPyramid,
  buildPyramidBlock,
  buildVolumePyramid,
  mergePyramidBlocks,
  type PyramidResult,
  type Voxel,
} from '../../engine/pyramid/index.ts'
import { Project } from '../../engine/store/index.ts'
import { options, parse, parseChoice, parsePositiveNumbers } from '../args.ts'
import { blockMode } from '../block-flags.ts'
import { cancelOnSignals, progressPrinter } from '../jobs.ts'
import { emit, progressReporter } from '../output.ts'

export const usage =
  'activeem pyramid (PATH#DS --out OUT.zarr [--block i/n | --merge] | --project DIR VOLUME [--out OUT.zarr]) [--kind image|labels] [--rule mode|keep-small] [--voxel z,y,x] [--json]'

/**
 * OME-Zarr multiscale levels of a volume (resumable: rerun the same command after a kill). With
 * --project, a job of the project whose pyramid becomes the volume's levels once complete; with
 * --block i/n, one part of the levels (no project: blocks never write its database), joined by --merge.
 */
export async function pyramid(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    'pyramid',
    argv,
    options(['out', 'kind', 'rule', 'voxel', 'project', 'block'], ['merge']),
    { min: 1, max: 1, usage },
  )
  if (values.out === undefined && values.project === undefined)
    throw new InputError(
      `pyramid: --out is required (or --project DIR, for a project volume's levels); usage: ${usage}`,
    )
  const kind =
    values.kind === undefined
      ? undefined
      : parseChoice<'image' | 'labels'>('--kind', values.kind, ['image', 'labels'], 'image')
  const rule = parseChoice('--rule', values.rule, ['mode', 'keep-small'], 'mode')
  const voxel =
    values.voxel === undefined ? undefined : (parsePositiveNumbers('--voxel', values.voxel, 3) as Voxel)
  const mode = blockMode('pyramid', values)

  if (mode.kind !== 'whole') {
    if (values.project !== undefined || values.out === undefined)
      throw new InputError(
        `pyramid: --block and --merge take PATH#DS --out OUT.zarr, not --project (blocks never write the project database)`,
      )
    const report = progressReporter('pyramid')
    const o = {
      source: positionals[0]!,
      out: values.out,
      kind: kind ?? 'image',
      rule,
      voxel,
      onProgress: report ? (e: { fraction: number }) => report(e.fraction) : undefined,
    }
    if (mode.kind === 'block') {
      const r = await buildPyramidBlock({ ...o, part: mode.part })
      emit(values.json, r, () =>
        r.alreadyDone
          ? `${r.out}: block ${r.block} already done`
          : `${r.out}: block ${r.block} of levels 0..${r.split}, ${r.chunksWritten} chunk(s) written, ${r.chunksKept} kept from before`,
      )
      return
    }
    const r = await mergePyramidBlocks(o)
    emit(values.json, r, () => describe(r))
    return
  }

  let r: PyramidResult & { volume?: string | null; jobId?: number }
  if (values.project !== undefined) {
    const project = Project.open(values.project)
    try {
      r = await buildVolumePyramid({
        project,
        source: positionals[0]!,
        ...(values.out !== undefined ? { out: values.out } : {}),
        ...(kind ? { kind } : {}),
        rule,
        ...(voxel ? { voxel } : {}),
        signal: cancelOnSignals(),
        // Lines in the job's log too, as every job command writes them.
        onProgress: progressPrinter('pyramid'),
      }).catch((e: unknown) => {
        if (e instanceof CancelledError) {
          process.stderr.write('cancelled; the chunks written are kept: run the same command again\n')
          process.exit(130)
        }
        throw e
      })
    } finally {
      project.close()
    }
  } else {
    const report = progressReporter('pyramid')
    r = await buildPyramid({
      source: positionals[0]!,
      out: values.out!,
      kind: kind ?? 'image',
      rule,
      voxel,
      onProgress: report ? (e) => report(e.fraction) : undefined,
    })
  }
  emit(values.json, r, () => describe(r) + (r.volume ? `\n  the levels of ${r.volume}` : ''))
}

function describe(r: PyramidResult): string {
  return [
    `${r.out}: ${r.levels.length} level(s), ${r.chunksWritten} chunk(s) written, ${r.chunksKept} kept from before`,
    ...r.levels.map((l) => `  ${l.path}  ${l.shape.join(' x ')}  voxel ${l.scale.join(' x ')} nm`),
  ].join('\n')
}
