import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  doneJobParams,
  doneJobResult,
  Job,
  jobParams,
  jobParamsOfKind,
  jobRecords,
} from '../../../src-main/engine/jobs/index.ts'
import { Project } from '../../../src-main/engine/store/index.ts'
import { scopedTempDir } from '../../helpers/peers.ts'

const tmp = scopedTempDir('jobs-history')

test('earlier jobs: their params, and the newest done one of a kind with its result', () => {
  const project = Project.init(join(tmp.dir, 'p'))
  try {
    const first = Job.startOrResume(project, 'predict', 'a', { out: '/a.zarr', model: 'm1' })
    first.finish('done', 'ok', { map: 'first' })
    const second = Job.startOrResume(project, 'predict', 'b', { out: '/a.zarr', model: 'm2' })
    second.finish('done', 'ok', { map: 'second' })
    const failed = Job.startOrResume(project, 'predict', 'c', { out: '/a.zarr', model: 'm3' })
    failed.finish('failed', 'no')

    assert.deepEqual(jobParams(project, first.id), { out: '/a.zarr', model: 'm1' })
    assert.equal(jobParams(project, 999), null)
    assert.deepEqual(
      jobParamsOfKind(project, 'predict').map((p) => (p as { model: string }).model),
      ['m3', 'm2', 'm1'],
    )
    assert.deepEqual(doneJobResult(project, 'predict', 'out', '/a.zarr'), { map: 'second' })
    assert.equal(doneJobResult(project, 'predict', 'out', '/b.zarr'), null)
    assert.deepEqual(doneJobParams(project, 'predict', 'a'), { out: '/a.zarr', model: 'm1' })
    assert.equal(doneJobParams(project, 'predict', 'c'), null)
    assert.deepEqual(
      jobRecords(project).map((j) => [j.id, j.kind, j.state]),
      [
        [first.id, 'predict', 'done'],
        [second.id, 'predict', 'done'],
        [failed.id, 'predict', 'failed'],
      ],
    )
  } finally {
    project.close()
  }
})
