import assert from 'node:assert/strict'
import { test } from 'node:test'
import { coalesced } from '../../../src-renderer/src/lib/coalesce.ts'

test('coalesced: asks during a run make one more run after it, which starts after the last ask', async () => {
  const started: number[] = []
  const finish: Array<() => void> = []
  let asked = 0
  const read = coalesced(
    () =>
      new Promise<void>((resolve) => {
        started.push(asked)
        finish.push(resolve)
      }),
  )
  asked = 1
  const first = read()
  assert.deepEqual(started, [1], 'the first ask runs at once')
  for (asked = 2; asked <= 5; asked++) void read()
  assert.deepEqual(started, [1], 'nothing more runs while one is in flight')
  finish[0]!()
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(started, [1, 6], 'one more run, after every ask of the burst')
  finish[1]!()
  await first
  assert.equal(started.length, 2, 'and no third')

  void read()
  assert.equal(started.length, 3, 'an ask after the runs ended runs at once')
  finish[2]!()
})

test('coalesced: a failed run is reported to its askers and does not block the next ask', async () => {
  let fail = true
  let runs = 0
  const read = coalesced(async () => {
    runs++
    if (fail) throw new Error('host gone')
  })
  await assert.rejects(read(), /host gone/)
  fail = false
  await read()
  assert.equal(runs, 2)
})
