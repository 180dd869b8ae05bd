import { InputError } from '../../engine/errors.ts'
import { buildPyramid, type Voxel } from '../../engine/pyramid/index.ts'
import { options, parse, parseChoice, parsePositiveNumbers } from '../args.ts'
import { emit, progressReporter } from '../output.ts'

export const usage =
  'activeem pyramid PATH#DS --out OUT.zarr [--kind image|labels] [--rule mode|keep-small] [--voxel z,y,x] [--json]'

/** OME-Zarr multiscale levels of a volume (resumable: rerun the same command after a kill). */
export async function pyramid(argv: string[]): Promise<void> {
  const { values, positionals } = parse('pyramid', argv, options(['out', 'kind', 'rule', 'voxel']), {
    min: 1,
    max: 1,
    usage,
  })
  if (values.out === undefined) throw new InputError(`pyramid: --out is required; usage: ${usage}`)
  const kind = parseChoice('--kind', values.kind, ['image', 'labels'], 'image')
  const rule = parseChoice('--rule', values.rule, ['mode', 'keep-small'], 'mode')
  const voxel =
    values.voxel === undefined ? undefined : (parsePositiveNumbers('--voxel', values.voxel, 3) as Voxel)
  const report = progressReporter('pyramid')
  const r = await buildPyramid({
    source: positionals[0]!,
    out: values.out,
    kind,
    rule,
    voxel,
    onProgress: report ? (e) => report(e.fraction) : undefined,
  })
  emit(values.json, r, () =>
    [
      `${r.out}: ${r.levels.length} level(s), ${r.chunksWritten} chunk(s) written, ${r.chunksKept} kept from before`,
      ...r.levels.map((l) => `  ${l.path}  ${l.shape.join(' x ')}  voxel ${l.scale.join(' x ')} nm`),
    ].join('\n'),
  )
}
