import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  exportProject,
  importExport,
  type LabelsFile,
  type RoundsFile,
} from '../../../src-main/engine/export/index.ts'
import { judgedRois, roiTargets } from '../../../src-main/engine/finetune/index.ts'
import { majorityLabels, currentLabels, setLabel } from '../../../src-main/engine/labels/index.ts'
import { roiTable } from '../../../src-main/engine/review/index.ts'
import { Project } from '../../../src-main/engine/store/index.ts'
import {
  accuracy,
  saveRound,
  suggestionVerdicts,
  type Suggestion,
} from '../../../src-main/engine/suggest/index.ts'
import { roiVotes } from '../../../src-main/engine/verdicts/index.ts'
import { fullRegion, ZarrV3Writer, type Shape3 } from '../../../src-main/engine/volume/index.ts'
import { scopedTempDir } from '../../helpers/peers.ts'
import { projectWithRoiSet } from '../../helpers/roi-set.ts'

const tmp = scopedTempDir('review-one-rule')

const N = 12
// ROI k (id k + 1) fills x in [4k, 4k + 2) of a 2 x 2 x 4N volume, as projectWithRoiSet places it.
const shape: Shape3 = [2, 2, 4 * N]
const instances = new Uint32Array(shape[0] * shape[1] * shape[2])
for (let z = 0; z < 2; z++)
  for (let y = 0; y < 2; y++)
    for (let x = 0; x < shape[2]; x++)
      if (x % 4 < 2) instances[(z * shape[1] + y) * shape[2] + x] = Math.floor(x / 4) + 1

/**
 * A two-stream round: subclusters {1,2,3} {4,5,6} {7,8} {9,10} {11,12} (ROI ids) under first-stream
 * clusters {1..6} {7..10} {11,12}.
 */
const round: Suggestion = {
  strategy: 'two-stream',
  queries: [0, 3, 6, 8, 10].map((index, cluster) => ({ index, cluster, distance: 0 })),
  assignment: Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4]),
  clusters: 5,
  parents: { assignment: Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2]), clusters: 3 },
  notes: [],
}

/** What the rule says, ROI by ROI (ids 1..12), and why. */
const EXPECTED: Array<['correct' | 'incorrect', string]> = [
  ['incorrect', 'own'], // both annotators: incorrect
  ['correct', 'first-stream'], // annotators tied: its first-stream cluster (1 no, 2 yes) decides
  ['correct', 'first-stream'], // its subcluster says no (ROI 1), the first-stream cluster yes
  ['correct', 'own'],
  ['correct', 'own'],
  ['correct', 'first-stream'],
  ['correct', 'own'],
  ['correct', 'subcluster'], // first-stream cluster tied (7 yes, 9 no): the subcluster decides
  ['incorrect', 'own'], // one incorrect, one unsure
  ['incorrect', 'subcluster'],
  ['correct', 'default'], // only unsure: no answer in either cluster, the detection stands
  ['correct', 'default'], // annotators tied, nothing else answered
]

async function reviewedProject(dir: string): Promise<{ project: Project; set: number }> {
  const made = projectWithRoiSet(dir, N)
  const writer = new ZarrV3Writer(join(dir, 'proposals', `set-${made.set}`, 'labels.zarr'))
  await writer.group('', {})
  const arr = await writer.array('labels', { shape, chunks: shape, dtype: 'uint32' })
  await arr.writeRegion(fullRegion(shape), instances)
  saveRound(
    made.project,
    made.set,
    Array.from({ length: N }, (_, i) => i + 1),
    round,
    {},
  )
  const label = (roi: number, value: 'correct' | 'incorrect' | 'unsure', who: string): void => {
    setLabel(made.project, made.set, roi, value, who)
  }
  label(1, 'incorrect', 'ana')
  label(1, 'incorrect', 'ben')
  label(2, 'correct', 'ana')
  label(2, 'incorrect', 'ben')
  label(4, 'correct', 'ana')
  label(4, 'correct', 'ben')
  label(5, 'correct', 'ben')
  label(7, 'correct', 'ana')
  label(9, 'incorrect', 'ana')
  label(9, 'unsure', 'ben')
  label(11, 'unsure', 'ana')
  label(12, 'correct', 'ana')
  label(12, 'incorrect', 'ben')
  return made
}

function csvColumn(file: string, name: string): string[] {
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n')
  const k = head!.split(',').indexOf(name)
  assert.ok(k >= 0, `${file} has a ${name} column`)
  return rows.map((r) => r.split(',')[k]!)
}

test('export, fine-tuning targets and simulate give every ROI the same verdict, from one rule', async () => {
  const { project, set } = await reviewedProject(join(tmp.dir, 'project'))
  const out = join(tmp.dir, 'export')
  try {
    const exported = await exportProject({ project, out, format: 'zarr' })
    assert.deepEqual(
      [exported.manifest.labelRule.level, exported.manifest.labelRule.ties],
      ['first-stream', 'detection-stands'],
    )
    const final = csvColumn(join(out, 'rois.csv'), 'final')
    assert.deepEqual(
      final.map((v, i) => [v, csvColumn(join(out, 'rois.csv'), 'source')[i]]),
      EXPECTED,
    )
    assert.deepEqual(
      csvColumn(join(out, 'rois.csv'), 'propagated'),
      // Own answers are one vote among their clusters': ROI 1 is outvoted in its first-stream cluster.
      ['correct', 'correct', 'correct', 'correct', 'correct', 'correct'].concat([
        'correct',
        'correct',
        'incorrect',
        'incorrect',
        'correct',
        'correct',
      ]),
    )

    // Fine-tuning learns the same verdicts, leaving out the ROIs only the default labels.
    const judged = judgedRois(project, set, true)
    const learnt = EXPECTED.flatMap(([v, from], i): Array<[number, string]> =>
      from === 'default' ? [] : [[i + 1, v]],
    )
    assert.deepEqual(
      [...judged.verdicts].sort((a, b) => a[0] - b[0]),
      learnt,
    )
    assert.deepEqual([judged.annotated, judged.propagated], [5, 5])
    assert.deepEqual(
      [...judgedRois(project, set, false).verdicts.keys()].sort((a, b) => a - b),
      [1, 4, 5, 7, 9],
      'without propagation: the annotators’ own verdicts only',
    )
    const { targets, weights } = roiTargets(instances, judged.verdicts, 'mito')
    for (let v = 0; v < instances.length; v++) {
      const id = instances[v]!
      if (id === 0) continue
      const [verdict, from] = EXPECTED[id - 1]!
      assert.equal(weights[0]![v], from === 'default' ? 0 : 1, `ROI ${id}: weight`)
      if (from !== 'default') assert.equal(targets[0]![v], verdict === 'correct' ? 1 : 0, `ROI ${id}: target`)
    }

    // Simulate scores the labels of the same function: the round's clusters, one answer per ROI.
    const votes = roiVotes(majorityLabels(currentLabels(project, set)))
    const answers = new Map([...votes].map(([id, v]) => [id - 1, v]))
    const simulated = suggestionVerdicts(round, answers)
    assert.deepEqual(simulated.final, final)
    const truth = Uint8Array.from([0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0])
    const agree = final.filter((v, i) => (v === 'correct' ? 1 : 0) === truth[i]).length
    assert.equal(accuracy(simulated, truth), agree / N)
  } finally {
    project.close()
  }

  // Simulate's propagation from the export's files alone reproduces the export's labels.
  const rois = (JSON.parse(readFileSync(join(out, 'rois.json'), 'utf8')) as { rois: Array<{ id: number }> })
    .rois
  const latest = (JSON.parse(readFileSync(join(out, 'rounds.json'), 'utf8')) as RoundsFile).rounds.at(-1)!
  const labels = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')) as LabelsFile
  const index = new Map(rois.map((r, i) => [r.id, i]))
  const cluster = new Map(latest.clusters.map(([roi, c, parent]) => [roi, { c, parent }]))
  const fine = Int32Array.from(rois, (r) => cluster.get(r.id)!.c)
  const first = Int32Array.from(rois, (r) => cluster.get(r.id)!.parent!)
  const answers = new Map<number, boolean>()
  for (const r of labels.rois)
    if (r.majority === 'correct' || r.majority === 'incorrect')
      answers.set(index.get(r.roi)!, r.majority === 'correct')
  const fromExport = suggestionVerdicts(
    {
      assignment: fine,
      clusters: Math.max(...fine) + 1,
      parents: { assignment: first, clusters: Math.max(...first) + 1 },
    },
    answers,
  )
  assert.deepEqual(fromExport.final, csvColumn(join(out, 'rois.csv'), 'final'))

  // An imported export keeps the first-stream clusters, so its table is the same.
  const copy = join(tmp.dir, 'imported')
  await importExport({ from: out, project: copy })
  const imported = Project.open(copy)
  try {
    assert.deepEqual(
      roiTable(imported, 1).rows.map((r) => [r.final, r.source, r.first_stream]),
      EXPECTED.map(([v, from], i) => [v, from, round.parents!.assignment[i]]),
    )
  } finally {
    imported.close()
  }
})
