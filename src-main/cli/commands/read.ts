import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { InputError } from '../../engine/errors.ts'
import {
  checkRegion,
  openVolume,
  readBoxes,
  toNumberArrayView,
  writeNpyBoxes,
  type Region,
} from '../../engine/volume/index.ts'
import { options, parse } from '../args.ts'
import { emit, shapeText } from '../output.ts'

export const usage = 'activeem read PATH#DATASET --region z0:z1,y0:y1,x0:x1 [--out FILE.npy] [--json]'

/** Without --out the values themselves are printed, so the region must stay small. */
const MAX_PRINTED_VOXELS = 1 << 20

export function parseRegion(text: string): Region {
  const parts = text.split(',')
  const axes = parts.map((p) => /^\s*(\d+):(\d+)\s*$/.exec(p))
  if (parts.length !== 3 || axes.some((m) => m === null)) {
    throw new InputError(`--region: expected z0:z1,y0:y1,x0:x1 with non-negative integers, got '${text}'`)
  }
  const [z, y, x] = axes.map((m) => [Number(m![1]), Number(m![2])]) as [number, number][]
  return { z0: z![0], z1: z![1], y0: y![0], y1: y![1], x0: x![0], x1: x![1] }
}

export async function read(argv: string[]): Promise<void> {
  const { values, positionals } = parse('read', argv, options(['region', 'out']), { min: 1, max: 1, usage })
  if (!values.region) throw new InputError(`read: --region is required; usage: ${usage}`)
  const region = parseRegion(values.region)
  if (values.out !== undefined && !existsSync(dirname(values.out) || '.')) {
    throw new InputError(`--out: folder ${dirname(values.out)} does not exist`)
  }
  const volume = await openVolume(positionals[0]!)
  try {
    const shape = [region.z1 - region.z0, region.y1 - region.y0, region.x1 - region.x0]
    if (values.out === undefined && shape[0]! * shape[1]! * shape[2]! > MAX_PRINTED_VOXELS) {
      throw new InputError(
        `read: region of ${shapeText(shape)} voxels is too large to print; pass --out FILE.npy`,
      )
    }
    if (values.out !== undefined) {
      // Box by box into the file: memory stays one box whatever the region's size. The region is
      // checked whole first, so an error names it and not a box.
      checkRegion(volume.spec, volume.shape, region)
      await writeNpyBoxes(values.out, volume.dtype, region, readBoxes(volume, region))
      emit(
        values.json,
        { spec: volume.spec, dtype: volume.dtype, shape, out: values.out },
        () => `wrote ${values.out}`,
      )
    } else {
      const list = Array.from(toNumberArrayView(await volume.readRegion(region)))
      emit(values.json, { spec: volume.spec, dtype: volume.dtype, shape, values: list }, () => list.join(' '))
    }
  } finally {
    volume.close()
  }
}
