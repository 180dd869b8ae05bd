import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { after, before, test } from 'node:test'
import { cliJson, demoProject, REPO, runCli } from '../helpers/cli.ts'
import { PYTHON, needPython } from '../helpers/peers.ts'
import { streamHash } from '../helpers/stream-hash.ts'
import { spawnSync } from 'node:child_process'

const tmp = mkdtempSync(join(tmpdir(), 'activeem-export-cli-'))
after(() => rmSync(tmp, { recursive: true, force: true }))
const project = join(tmp, 'demo', 'project')

interface Manifest {
  format: string
  app: { version: string }
  set: { id: number; dir: string }
  round: { id: number } | null
  data: { path: string; format: string; datasets: Array<{ name: string; shape: number[]; dtype: string }> }
  models: Array<{ kind: string; path: string }>
  campaign: unknown
  summary: { rois: number; final: { correct: number; incorrect: number }; removedVoxels: number }
  labelRule: Record<string, string>
  createdAt: string
  voxelSizeNm: number[] | null
}

function read<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T
}

/** sha256 over every file's relative path and bytes: "nothing changed" made checkable. */
function hashFolder(dir: string): string {
  const h = createHash('sha256')
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name)
      h.update(relative(dir, p))
      if (statSync(p).isDirectory()) walk(p)
      else h.update(readFileSync(p))
    }
  }
  walk(dir)
  return h.digest('hex')
}

function checkExport(dir: string): {
  format: string
  datasets: Record<string, [number[], string]>
  incorrect: number
  resolution: Record<string, number[] | null>
} {
  const r = spawnSync(PYTHON, [join(REPO, 'test', 'fixtures', 'check_export.py'), dir], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`check_export.py failed: ${r.stdout}${r.stderr}`)
  return JSON.parse(r.stdout) as ReturnType<typeof checkExport>
}

const labelsHistory = (dir: string): unknown => cliJson(['labels', '--project', dir, '--history'])

before(() => {
  // The smallest demo that still gives a proposal set, the two VAEs and a round of queries (about 40 s).
  demoProject(join(tmp, 'demo'), '16,128,128', 20)
  const label = (roi: number, value: string, annotator: string): void => {
    cliJson(['label', '--project', project, '--roi', String(roi), '--value', value, '--annotator', annotator])
  }
  label(1, 'incorrect', 'ana')
  label(1, 'incorrect', 'ben')
  label(2, 'correct', 'ana')
  label(2, 'incorrect', 'ben') // a tie: the cluster decides
  label(3, 'correct', 'ben')
  label(4, 'incorrect', 'ana')
  cliJson(['label', '--project', project, '--undo', '--annotator', 'ana']) // ROI 4 unlabelled again
  label(5, 'unsure', 'ana')
})

test('export in both formats: h5py and zarr-python 2 open them with the shapes and dtypes of the manifest', (t) => {
  for (const format of ['hdf5', 'zarr'] as const) {
    const out = join(tmp, `export-${format}`)
    const r = cliJson<{ out: string; rois: number; final: { incorrect: number }; bytes: number }>([
      'export',
      ...['--project', project, '--out', out, '--format', format],
    ])
    assert.equal(r.out, out)
    const m = read<Manifest>(join(out, 'manifest.json'))
    assert.equal(m.format, 'activeem-export')
    assert.equal(m.data.format, format)
    assert.equal(m.data.path, format === 'hdf5' ? 'export.h5' : 'export.zarr')
    assert.ok(m.round, 'the demo made a round: its clusters are in the table')
    assert.deepEqual(m.models.map((x) => x.kind).sort(), ['unet', 'vae-image', 'vae-mask'])
    assert.equal(m.campaign, null, 'the demo project runs no campaign')
    for (const x of m.models) assert.ok(readdirSync(join(out, x.path)).length > 0, `${x.path} copied`)
    assert.ok(m.labelRule.final && m.labelRule.propagated && m.labelRule.volume)
    const names = m.data.datasets.map((d) => d.name)
    assert.deepEqual(names, [
      'labels/instances',
      'labels/corrected',
      ...['roi', 'image', 'mask', 'thumb_image', 'thumb_mask', 'slice', 'angle', 'flipped'].map(
        (n) => `crops/${n}`,
      ),
    ])
    const labels = m.data.datasets.find((d) => d.name === 'labels/corrected')!
    assert.deepEqual([labels.shape, labels.dtype], [[16, 128, 128], 'uint32'])

    const rois = read<{
      rois: Array<{ id: number; majority: string | null; propagated: string; final: string }>
    }>(join(out, 'rois.json')).rois
    assert.equal(rois.length, r.rois)
    assert.equal(readFileSync(join(out, 'rois.csv'), 'utf8').trim().split('\n').length, rois.length + 1)
    for (const roi of rois) {
      const own = roi.majority === 'correct' || roi.majority === 'incorrect' ? roi.majority : null
      assert.equal(
        roi.final,
        own ?? roi.propagated,
        `ROI ${roi.id}: final is its own majority, else propagated`,
      )
    }
    assert.equal(rois[0]!.final, 'incorrect')
    assert.equal(rois[2]!.final, 'correct')
    assert.equal(m.summary.final.incorrect, rois.filter((x) => x.final === 'incorrect').length)

    if (!needPython(t, ['h5py', 'zarr', 'numpy'])) continue
    const checked = checkExport(out)
    assert.equal(checked.format, format)
    assert.equal(checked.incorrect, m.summary.final.incorrect)
    for (const d of m.data.datasets) assert.deepEqual(checked.datasets[d.name], [d.shape, d.dtype], d.name)
    // The synthetic raw volume records its voxel size; the export carries it on every labelled array.
    assert.ok(m.voxelSizeNm && m.voxelSizeNm.length === 3, 'the manifest names the voxel size')
    for (const name of ['labels', 'labels/instances', 'labels/corrected', 'crops'])
      assert.deepEqual(checked.resolution[name], m.voxelSizeNm, `${name} resolution`)
  }
})

test('round trip: import into a new project gives the same labels, history and ROI table', async () => {
  for (const format of ['hdf5', 'zarr'] as const) {
    const out = join(tmp, `trip-${format}`)
    cliJson(['export', '--project', project, '--out', out, '--format', format])
    const copy = join(tmp, `imported-${format}`)
    const r = cliJson<{ set: number; labelRows: number; rounds: number; models: string[] }>([
      'import',
      ...['--export', out, '--project', copy],
    ])
    assert.deepEqual([r.labelRows, r.rounds, r.models.length], [8, 1, 1])
    assert.deepEqual(
      labelsHistory(copy),
      labelsHistory(project),
      'labels and the audit trail, ids and times included',
    )

    const again = join(tmp, `again-${format}`)
    cliJson(['export', '--project', copy, '--out', again, '--format', format])
    for (const file of ['rois.csv', 'rois.json', 'labels.json', 'rounds.json'])
      assert.equal(readFileSync(join(again, file), 'utf8'), readFileSync(join(out, file), 'utf8'), file)

    const m = read<Manifest>(join(out, 'manifest.json'))
    const setDir = (dir: string): string => join(dir, m.set.dir)
    assert.deepEqual(
      await streamHash(`${join(setDir(copy), 'labels.zarr')}#labels`),
      await streamHash(`${join(setDir(project), 'labels.zarr')}#labels`),
      'the instance labels restored voxel for voxel',
    )
    assert.equal(
      readFileSync(join(setDir(copy), 'rois.csv'), 'utf8'),
      readFileSync(join(setDir(project), 'rois.csv'), 'utf8'),
    )
    const show = cliJson<{ volumes: Array<{ name: string; role: string; source: string }> }>([
      'project',
      'show',
      copy,
    ])
    assert.deepEqual(
      show.volumes.map((v) => [v.name, v.role, v.source]),
      [[`set-${m.set.id}-corrected`, 'labels', `${join(out, m.data.path)}#labels/corrected`]],
    )
  }
})

test('bad input: exit 2, one clear line, nothing changed', () => {
  const busy = join(tmp, 'busy')
  mkdirSync(busy)
  writeFileSync(join(busy, 'notes.txt'), 'mine\n')
  const earlier = join(tmp, 'earlier')
  cliJson(['export', '--project', project, '--out', earlier])
  const noSet = join(tmp, 'no-set')
  cliJson(['project', 'init', noSet])
  const before = [hashFolder(busy), hashFolder(earlier)]
  const entries = readdirSync(tmp).sort()

  const cases: Array<[string[], RegExp]> = [
    [
      ['export', '--project', project, '--out', busy],
      /--out .*busy: folder exists and is not empty; pass --force/,
    ],
    [['export', '--project', project, '--out', busy, '--force'], /busy: folder is not an ActiveEM export/],
    [
      ['export', '--project', project, '--out', earlier],
      /earlier: folder exists and is not empty; pass --force/,
    ],
    [
      ['export', '--project', project, '--out', join(tmp, 'new'), '--format', 'tiff'],
      /--format: expected one of hdf5, zarr/,
    ],
    [['export', '--project', noSet, '--out', join(tmp, 'new')], /no proposal set to export/],
    [['export', '--project', project], /--out is required/],
    [
      ['import', '--export', busy, '--project', join(tmp, 'new')],
      /not an ActiveEM export \(no manifest.json\)/,
    ],
    [['import', '--export', earlier, '--project', busy], /busy: folder is not empty/],
  ]
  for (const [args, message] of cases) {
    const r = runCli(args)
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    const lines = r.stderr.trim().split('\n')
    assert.equal(lines.length, 1, r.stderr)
    assert.match(lines[0]!, /^error: /)
    assert.match(lines[0]!, message)
    assert.equal(r.stdout, '')
  }
  assert.deepEqual([hashFolder(busy), hashFolder(earlier)], before, 'the folders are untouched')
  assert.deepEqual(readdirSync(tmp).sort(), entries, 'no staging folder or project left behind')

  // --force replaces an earlier export, through a staging folder renamed at the end.
  const createdAt = read<Manifest>(join(earlier, 'manifest.json')).createdAt
  const r = runCli(['export', '--project', project, '--out', earlier, '--force', '--format', 'zarr'])
  assert.equal(r.code, 0, r.stderr)
  const m = read<Manifest>(join(earlier, 'manifest.json'))
  assert.notEqual(m.createdAt, createdAt)
  assert.deepEqual(readdirSync(earlier).includes('export.h5'), false, 'nothing of the old export stays')
  assert.deepEqual(readdirSync(tmp).sort(), entries)
})
