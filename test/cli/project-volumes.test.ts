import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { Job } from '../../src-main/engine/jobs/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import { cliJson, oneErrorLine } from '../helpers/cli.ts'
import { scopedTempDir } from '../helpers/peers.ts'

const tmp = scopedTempDir('project-volumes')

interface Volume {
  id: number
  name: string
  source: string
}

test('volumes are renamed and removed by id or name, with what was made from them named; files stay', () => {
  const data = join(tmp.dir, 'data')
  const dir = join(tmp.dir, 'project')
  cliJson(['synth', '--out', data, '--shape', '8,64,64', '--seed', '3'])
  cliJson(['project', 'init', dir])
  const raw = cliJson<Volume>(['project', 'import', dir, `${join(data, 'synthetic.h5')}#raw`])
  const labels = cliJson<Volume>([
    ...['project', 'import', dir, `${join(data, 'synthetic.h5')}#labels/mito`],
    ...['--role', 'labels'],
  ])

  const renamed = cliJson<Volume>(['project', 'rename', dir, String(labels.id), 'mito labels'])
  assert.deepEqual([renamed.id, renamed.name], [labels.id, 'mito labels'])
  oneErrorLine(['project', 'rename', dir, 'mito labels', raw.name], [`'${raw.name}'`, 'already'])
  oneErrorLine(['project', 'remove', dir, 'nothing'], ["'nothing'", `${raw.id} ${raw.name}`])

  // A job that read the raw volume: its removal names it.
  const project = Project.open(dir)
  try {
    Job.startOrResume(project, 'train', 'k', { raw: `${raw.source}[0:4,:,:]` }).finish('done', 'ok')
  } finally {
    project.close()
  }
  const gone = cliJson<{ removed: Volume; dependents: string[] }>(['project', 'remove', dir, raw.name])
  assert.equal(gone.removed.id, raw.id)
  assert.deepEqual(gone.dependents, ['train job 1 (done) read it'])
  const left = cliJson<{ volumes: Volume[] }>(['project', 'show', dir]).volumes
  assert.deepEqual(
    left.map((v) => v.name),
    ['mito labels'],
  )
  // Only the record went: the file still opens.
  cliJson(['info', `${join(data, 'synthetic.h5')}#raw`])
})
