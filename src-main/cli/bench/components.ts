import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { round } from './measure.ts'
import { PYTHON, run } from './peers.ts'

const COMPONENTS_SHAPE = [64, 512, 512]
const COMPONENTS_PEER = fileURLToPath(new URL('../../../resources/bench/peer_components.py', import.meta.url))
const CLI = fileURLToPath(new URL('../../../bin/activeem.mjs', import.meta.url))

/**
 * `activeem components` (a child process, as a user runs it) against h5py + scipy.ndimage.label on a
 * 64x512x512 mask with ~1% foreground: fastest of 3 each, same count and the same multiset of sizes.
 */
export function benchComponents(dir: string): void {
  const file = join(dir, `components_${COMPONENTS_SHAPE.join('x')}.h5`)
  if (!existsSync(file)) run(PYTHON, [COMPONENTS_PEER, 'write', file, ...COMPONENTS_SHAPE.map(String)])
  const csv = join(dir, 'components_rois.csv')
  let ours: { seconds: number; count: number; peakRssMB: number } | undefined
  let theirs: { seconds: number; count: number; sizes_sha256: string; peak_rss_mb: number } | undefined
  for (let i = 0; i < 3; i++) {
    rmSync(csv, { force: true })
    const o = JSON.parse(
      run(process.execPath, [CLI, 'components', `${file}#mask`, '--out', csv, '--json']),
    ) as NonNullable<typeof ours>
    const t = JSON.parse(run(PYTHON, [COMPONENTS_PEER, 'label', file, 'mask', '26'])) as NonNullable<
      typeof theirs
    >
    if (!ours || o.seconds < ours.seconds) ours = o
    if (!theirs || t.seconds < theirs.seconds) theirs = t
  }
  const sizes = readFileSync(csv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => BigInt(l.split(',')[7]!))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const bytes = new BigUint64Array(sizes)
  const digest = createHash('sha256').update(new Uint8Array(bytes.buffer)).digest('hex')
  if (ours!.count !== theirs!.count || digest !== theirs!.sizes_sha256)
    throw new Error(
      `components: ours ${ours!.count} components, scipy ${theirs!.count}, or their sizes differ`,
    )
  const line = {
    name: `components_26_${COMPONENTS_SHAPE.join('x')}_1pct`,
    ours_s: round(ours!.seconds),
    peer: 'h5py+scipy.ndimage.label',
    peer_s: round(theirs!.seconds),
    ratio: round(ours!.seconds / theirs!.seconds),
    count: ours!.count,
    ours_peak_rss_mb: ours!.peakRssMB,
    peer_peak_rss_mb: theirs!.peak_rss_mb,
  }
  process.stdout.write(`${JSON.stringify(line)}\n`)
}
