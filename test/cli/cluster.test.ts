/**
 * `activeem cluster run`: its script and manifest, and what it says when Slurm is absent or refuses.
 * The runs of block commands on the real single-node Slurm are in cluster-blocks.test.ts.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { oneErrorLine, runCli } from '../helpers/cli.ts'
import { scopedTempDir } from '../helpers/peers.ts'
import { startSlurm } from '../helpers/slurm.ts'

const tmp = scopedTempDir('cluster')

test('--dry-run prints the sbatch job-array script with the resources asked, and writes nothing', () => {
  const dir = join(tmp.dir, 'dry')
  const r = runCli([
    'cluster',
    'run',
    '--scheduler',
    'slurm',
    '--jobs',
    '4',
    '--dir',
    dir,
    '--partition',
    'gpu',
    '--time',
    '02:00:00',
    '--mem',
    '16G',
    '--gpus',
    '1',
    '--dry-run',
    '--',
    'predict',
    '--project',
    '/p',
    '--raw',
    '/data/a b.h5#raw',
  ])
  assert.equal(r.code, 0, r.stderr)
  const lines = r.stdout.split('\n')
  for (const d of [
    '--array=0-3',
    '--partition=gpu',
    '--time=02:00:00',
    '--mem=16G',
    '--gpus=1',
    `--output=${dir}/task-%a.log`,
  ])
    assert.ok(lines.includes(`#SBATCH ${d}`), `missing #SBATCH ${d} in\n${r.stdout}`)
  assert.match(r.stdout, /activeem\.mjs predict --project \/p --raw '\/data\/a b\.h5#raw' --block "\$i\/4"/)
  assert.ok(!existsSync(dir), 'a dry run writes nothing')
})

test('the Kubernetes manifest is an Indexed Job whose args read JOB_COMPLETION_INDEX', () => {
  const r = runCli([
    'cluster',
    'run',
    '--scheduler',
    'kubernetes',
    '--jobs',
    '8',
    '--image',
    'registry.example/activeem:0.1',
    '--claim',
    'em-data',
    '--dry-run',
    '--',
    'components',
    '/data/map.zarr#mito',
    '--out',
    '/data/rois.csv',
  ])
  assert.equal(r.code, 0, r.stderr)
  for (const line of [
    'completionMode: Indexed',
    'completions: 8',
    'parallelism: 8',
    'backoffLimitPerIndex: 1',
    'claimName: "em-data"',
  ])
    assert.ok(r.stdout.includes(line), `missing '${line}' in\n${r.stdout}`)
  assert.ok(r.stdout.includes('"--block", "$(JOB_COMPLETION_INDEX)/8"'), r.stdout)
  oneErrorLine(
    [
      'cluster',
      'run',
      '--scheduler',
      'kubernetes',
      '--jobs',
      '2',
      '--image',
      'x',
      '--',
      'pyramid',
      'a.h5#r',
      '--out',
      'b.zarr',
    ],
    ['--dry-run'],
  )
})

test('bad input: no command, a command that is not a block command, --block in the command, no --jobs', () => {
  oneErrorLine(['cluster', 'run', '--scheduler', 'local', '--jobs', '2'], ['no command after --'])
  oneErrorLine(
    ['cluster', 'run', '--scheduler', 'local', '--jobs', '2', '--', 'train', '--project', 'p'],
    ["'train' does not run as blocks"],
  )
  oneErrorLine(
    ['cluster', 'run', '--scheduler', 'local', '--jobs', '2', '--', 'pyramid', 'a.h5#r', '--block', '0/2'],
    ['leave --block out'],
  )
  oneErrorLine(['cluster', 'run', '--scheduler', 'local', '--', 'pyramid', 'a.h5#r'], ['--jobs is required'])
  oneErrorLine(
    ['cluster', 'run', '--scheduler', 'pbs', '--jobs', '2', '--', 'pyramid', 'a.h5#r'],
    ['--scheduler'],
  )
  oneErrorLine(
    ['cluster', 'run', '--scheduler', 'local', '--jobs', '0', '--', 'pyramid', 'a.h5#r'],
    ['--jobs'],
  )
  oneErrorLine(['cluster', 'launch', '--', 'pyramid'], ["expected 'run'"])
})

test('a Slurm that is absent is named in one error line', () => {
  const dir = join(tmp.dir, 'absent')
  oneErrorLine(
    [
      'cluster',
      'run',
      '--scheduler',
      'slurm',
      '--jobs',
      '2',
      '--dir',
      dir,
      '--',
      'pyramid',
      'a.h5#r',
      '--out',
      join(dir, 'p.zarr'),
    ],
    ['sbatch not found', '--scheduler local'],
    { PATH: '/nonexistent' },
  )
})

test('a Slurm that refuses the job (an unknown partition) is named in one error line; nothing runs', (t) => {
  const missing = startSlurm()
  if (missing) return t.skip(missing)
  const dir = join(tmp.dir, 'refused')
  mkdirSync(dir, { recursive: true })
  const line = oneErrorLine(
    [
      'cluster',
      'run',
      '--scheduler',
      'slurm',
      '--jobs',
      '2',
      '--dir',
      dir,
      '--partition',
      'no-such-partition',
      '--',
      'pyramid',
      'a.h5#r',
      '--out',
      join(dir, 'p.zarr'),
    ],
    ['sbatch refused the job'],
  )
  assert.match(line, /partition/i)
  assert.ok(readFileSync(join(dir, 'job.sbatch'), 'utf8').includes('--partition=no-such-partition'))
  assert.ok(!existsSync(join(dir, 'task-0.exit')))
})
