import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { JobDetail, JobKind } from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { messageOf } from '../lib/errors.ts'
import { coalesced } from '../lib/coalesce.ts'
import { latestOnly } from '../lib/latest.ts'
import { useLiveStore } from './live.ts'

/** How the window shows a job: its recorded state, except a 'running' one whose process is gone. */
export type JobShownState = JobDetail['state'] | 'interrupted'

export function shownState(job: JobDetail): JobShownState {
  return (job.state === 'running' || job.state === 'queued') && !job.alive ? 'interrupted' : job.state
}

/**
 * The project's jobs as the Jobs screen shows them, read again whenever the host says a job changed
 * (while the screen is on), and the calls that start and cancel them.
 */
export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<JobDetail[]>([])
  const dir = ref<string | null>(null)
  const error = ref<string | null>(null)
  /** When the list last arrived (ms since the epoch). */
  const updatedAt = ref<number | null>(null)
  /**
   * Only the latest jobs.list reply is shown: a read answered after a later one (the one after a
   * start or cancel, or the first of another project) would show the list from before it.
   */
  const lists = latestOnly()
  /** Events that come while a read is unanswered make one more read after it, not one each. */
  const refreshSoon = coalesced(refresh)
  let unlisten: (() => void) | null = null

  /** Live jobs first (newest first), then the rest, most recently changed first. */
  const sorted = computed(() => {
    const live = jobs.value.filter((j) => j.alive).sort((a, b) => b.id - a.id)
    const rest = jobs.value
      .filter((j) => !j.alive)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id - a.id)
    return [...live, ...rest]
  })
  const liveCount = computed(() => jobs.value.filter((j) => j.alive).length)

  /** Reads the list now; a reply to an earlier request that comes after this one's is dropped. */
  async function refresh(): Promise<void> {
    const wanted = dir.value
    if (!wanted) return
    const isLatest = lists.next()
    try {
      const result = await useTransport().call('jobs.list', { dir: wanted })
      if (!isLatest()) return
      jobs.value = result
      updatedAt.value = Date.now()
      error.value = null
    } catch (e) {
      if (isLatest()) error.value = `cannot list the jobs: ${messageOf(e)}`
    }
  }

  /** Reads the project's jobs now and after every change of them until `stop`. */
  function watch(projectDir: string): void {
    if (dir.value !== projectDir) {
      // Whatever is still unanswered is the other project's list.
      lists.next()
      jobs.value = []
      updatedAt.value = null
    }
    dir.value = projectDir
    unlisten?.()
    unlisten = useLiveStore().listen(
      ['jobs'],
      () => void refreshSoon(),
      () => void refresh(),
    )
  }

  function stop(): void {
    unlisten?.()
    unlisten = null
  }

  /** Starts `activeem <kind> ...args` for the project; the reply is the process id, or the refusal. */
  async function start(kind: JobKind, args: string[]): Promise<{ pid: number }> {
    if (!dir.value) throw new Error('no project is open')
    const result = await useTransport().call('job.start', { dir: dir.value, kind, args })
    await refresh()
    return result
  }

  async function cancel(id: number): Promise<{ cancelled: boolean; message: string }> {
    if (!dir.value) throw new Error('no project is open')
    const result = await useTransport().call('job.cancel', { dir: dir.value, id })
    await refresh()
    return result
  }

  /** Launches a stopped job again with its options; it goes on from where it stopped. */
  async function resumeJob(id: number): Promise<void> {
    if (!dir.value) throw new Error('no project is open')
    await useTransport().call('job.resume', { dir: dir.value, id })
    await refresh()
  }

  return { jobs, dir, error, updatedAt, sorted, liveCount, refresh, watch, stop, start, cancel, resumeJob }
})
